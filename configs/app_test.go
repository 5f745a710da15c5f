package configs

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// appBase is a valid config; the broken configs of TestParseAppErrors
// change one thing in it. Its line numbers are in the comments.
const appBase = `[application]
enable-perf-measurement=1

[source0]
enable=1
type=2
uri=file:///videos/a.mp4

[streammux]
width=1920
height=1080
batch-size=1

[primary-gie]
enable=1
config-file=pgie.txt
gie-unique-id=1

[sink0]
enable=1
type=1
`

// Lines of appBase.
const (
	lineSource0   = 4
	lineType      = 6
	lineURI       = 7
	lineStreammux = 9
	lineMuxBatch  = 12
	linePGIE      = 14
	lineGIEID     = 17
	lineSink0     = 19
	lineSinkType  = 21
)

// edit returns appBase with old replaced by new (old must occur).
func edit(t *testing.T, old, new string) string {
	t.Helper()
	if !strings.Contains(appBase, old) {
		t.Fatalf("appBase has no %q", old)
	}
	return strings.Replace(appBase, old, new, 1)
}

func TestParseAppBase(t *testing.T) {
	a, warns, err := ParseApp("cfg/app.txt", strings.NewReader(appBase), "/configs")
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if len(a.Sources) != 1 || a.Sources[0].URI != "file:///videos/a.mp4" || a.Sources[0].Type != SourceURI {
		t.Errorf("sources: %+v", a.Sources)
	}
	if g := a.PrimaryGIE; g == nil || g.ConfigFile != "/configs/pgie.txt" || g.Line != linePGIE || g.KeyLine("gie-unique-id") != lineGIEID {
		t.Errorf("primary-gie: %+v", a.PrimaryGIE)
	}
	if a.PrimaryGIE.Has("batch-size") || a.PrimaryGIE.KeyLine("batch-size") != linePGIE {
		t.Errorf("batch-size must be unset, its line the group's")
	}
	if s := a.Sinks[0]; s.Type != SinkFake || s.RTSPPort != 8554 || s.Line != lineSink0 {
		t.Errorf("sink: %+v", s)
	}
}

func TestParseAppErrors(t *testing.T) {
	const tiler = "[tiled-display]\nenable=1\nrows=0\ncolumns=2\nwidth=1280\nheight=720\n"
	const sink = "[sink1]\nenable=1\n"
	cases := []struct {
		name, src, want string
	}{
		{"wrong source type", edit(t, "type=2", "type=9"), "bad.txt:6: type=9: must be 1 (V4L2 camera), 2 (URI), 3 (multi-URI) or 4 (RTSP)"},
		{"CSI camera", edit(t, "type=2", "type=5"), "bad.txt:6: type=5: source0: type=5 (CSI camera) needs a Jetson; dsgo cannot open it"},
		{"audio source", edit(t, "type=2", "type=7"), "bad.txt:6: type=7: source0: type=7 is an audio source"},
		{"type not a number", edit(t, "type=2", "type=uri"), "bad.txt:6: type=uri: must be an integer"},
		{"uri missing", edit(t, "uri=file:///videos/a.mp4\n", ""), "bad.txt:4: [source0] needs uri, e.g. file:///path/video.mp4"},
		{"uri not a URI", edit(t, "uri=file:///videos/a.mp4", "uri=videos/a.mp4"), "bad.txt:7: uri=videos/a.mp4: must be a URI such as file:///path/video.mp4"},
		{"RTSP source with a file", edit(t, "type=2", "type=4"), "bad.txt:7: uri=file:///videos/a.mp4: a type=4 (RTSP) source needs an rtsp:// URI"},
		{"camera without caps", edit(t, "type=2", "type=1"), "bad.txt:4: [source0] camera-width (unset): source0: a type=1 (V4L2 camera) source needs camera-width >= 1"},
		{"bad boolean", edit(t, "[source0]\nenable=1", "[source0]\nenable=yes"), "bad.txt:5: enable=yes: must be 0 or 1 (or true or false)"},
		{"bad integer", edit(t, "type=2\n", "type=2\nlatency=2s\n"), "bad.txt:7: latency=2s: must be an integer"},
		{"rtp protocol", edit(t, "type=2\n", "type=2\nselect-rtp-protocol=3\n"), "bad.txt:7: select-rtp-protocol=3: must be 0 (default), 4 (TCP only) or 7"},
		{"decoder memory", edit(t, "type=2\n", "type=2\ncudadec-memtype=5\n"), "bad.txt:7: cudadec-memtype=5: must be 0 (device), 1 (pinned) or 2 (unified memory)"},
		{"no enabled source", edit(t, "[source0]\nenable=1", "[source0]\nenable=0"), "bad.txt: no enabled source: set enable=1 in a [sourceN] group"},
		{"bad source group name", edit(t, "[source0]", "[sourceA]"), "bad.txt:4: [sourceA]: source groups must be named [source<N>]"},
		{"missing streammux", edit(t, "[streammux]\nwidth=1920\nheight=1080\nbatch-size=1\n", ""), "bad.txt: missing [streammux] group: nvstreammux needs width and height"},
		{"streammux without size", edit(t, "width=1920\nheight=1080\n", ""), "bad.txt:9: [streammux] needs width and height >= 1"},
		{"negative mux batch size", edit(t, "batch-size=1", "batch-size=-1"), "bad.txt:12: batch-size=-1: must be >= 0 (0: one frame per source)"},
		{"negative GIE batch size", edit(t, "config-file=pgie.txt", "config-file=pgie.txt\nbatch-size=-4"), "bad.txt:17: batch-size=-4: must be >= 1"},
		{"plugin type", edit(t, "config-file=pgie.txt", "config-file=pgie.txt\nplugin-type=2"), "bad.txt:17: plugin-type=2: must be 0 (nvinfer) or 1 (nvinferserver)"},
		{"GIE without config-file", edit(t, "config-file=pgie.txt\n", ""), "bad.txt:14: [primary-gie] needs config-file (the nvinfer configuration)"},
		{"short colour", edit(t, "gie-unique-id=1", "gie-unique-id=1\nbbox-border-color0=1;0;0"), "bad.txt:18: bbox-border-color0=1;0;0: must be 4 numbers r;g;b;a, each 0-1"},
		{"colour out of range", edit(t, "gie-unique-id=1", "gie-unique-id=1\nbbox-bg-color=1;0;2;1"), "bad.txt:18: bbox-bg-color=1;0;2;1: must be 4 numbers r;g;b;a, each 0-1"},
		{"class ids", edit(t, "gie-unique-id=1", "gie-unique-id=1\noperate-on-class-ids=0;x"), "bad.txt:18: operate-on-class-ids=0;x: must be a ';'-separated list of integers"},
		{"duplicate GIE id", appBase + "\n[secondary-gie0]\nenable=1\nconfig-file=sgie.txt\ngie-unique-id=1\n", "bad.txt:26: gie-unique-id=1: [primary-gie] (line 17) has the same id; ids must be unique"},
		{"unknown sink type", edit(t, "[sink0]\nenable=1\ntype=1", "[sink0]\nenable=1\ntype=7"), "bad.txt:21: type=7: must be 1 (fake), 2 (display), 3 (file), 4 (RTSP), 5 (overlay display) or 6 (message broker)"},
		{"file sink without file", edit(t, "type=1\n", "type=3\ncodec=1\ncontainer=1\n"), "bad.txt:19: [sink0] needs output-file"},
		{"codec out of range", edit(t, "type=1\n", "type=3\ncodec=4\ncontainer=1\noutput-file=out.mp4\n"), "bad.txt:22: codec=4: must be 1 (H.264), 2 (H.265) or 3 (MPEG-4)"},
		{"container out of range", edit(t, "type=1\n", "type=3\ncodec=1\ncontainer=3\noutput-file=out.mp4\n"), "bad.txt:23: container=3: must be 1 (MP4) or 2 (MKV)"},
		{"RTSP sink with MPEG-4", edit(t, "type=1\n", "type=4\ncodec=3\n"), "bad.txt:22: codec=3: must be 1 (H.264) or 2 (H.265) for a type=4 (RTSP) sink"},
		{"RTSP port", edit(t, "type=1\n", "type=4\ncodec=1\nrtsp-port=70000\n"), "bad.txt:23: rtsp-port=70000: must be a port, 1-65535"},
		{"broker sink without adapter", edit(t, "type=1\n", "type=6\nmsg-conv-config=msgconv.txt\n"), "bad.txt:19: [sink0] needs msg-broker-proto-lib"},
		{"payload type", edit(t, "type=1\n", "type=6\nmsg-broker-proto-lib=libnvds_kafka_proto.so\nmsg-conv-payload-type=5\n"), "bad.txt:23: msg-conv-payload-type=5: must be 0 (DeepStream JSON)"},
		{"sink bad boolean", edit(t, "type=1\n", "type=1\nsync=maybe\n"), "bad.txt:22: sync=maybe: must be 0 or 1"},
		{"OSD colour", appBase + "\n[osd]\nenable=1\ntext-color=1;1;1\n", "bad.txt:25: text-color=1;1;1: must be 4 numbers r;g;b;a, each 0-1"},
		{"OSD mode", appBase + "\n[osd]\nenable=1\nprocess-mode=3\n", "bad.txt:25: process-mode=3: must be 0 (CPU), 1 (GPU) or 2 (VIC, Jetson)"},
		{"OSD bad boolean", appBase + "\n[osd]\ndisplay-text=maybe\n", "bad.txt:24: display-text=maybe: must be 0 or 1"},
		{"tiler rows", appBase + "\n" + tiler, "bad.txt:25: rows=0: must be >= 1 when the tiler is enabled (enable=1)"},
		{"tiler mode", appBase + "\n[tiled-display]\nenable=4\n", "bad.txt:24: enable=4: must be 0 (off), 1 (on) or 2"},
		{"tracker without library", appBase + "\n[tracker]\nenable=1\n", "bad.txt:23: [tracker] needs ll-lib-file"},
		{"tracker reset mode", appBase + "\n[tracker]\nenable=1\nll-lib-file=libnvds_nvmultiobjecttracker.so\ntracking-id-reset-mode=4\n", "bad.txt:26: tracking-id-reset-mode=4: must be 0-3"},
		{"consumer without topics", appBase + "\n[message-consumer0]\nenable=1\nproto-lib=libnvds_kafka_proto.so\nconn-str=localhost;9092\n", "bad.txt:23: [message-consumer0] needs subscribe-topic-list"},
		{"image save confidence", appBase + "\n[img-save]\nenable=1\noutput-folder-path=out\nmin-confidence=0.9\nmax-confidence=0.5\n", "bad.txt:26: min-confidence=0.9: must be <= max-confidence (0.5)"},
		{"too many sources", edit(t, "type=2\n", "type=3\nnum-sources=2000000000\n"), "bad.txt:7: num-sources=2000000000: must be 0-1024"},
		{"smart record mode", edit(t, "type=2\n", "type=2\nsmart-record=3\n"), "bad.txt:7: smart-record=3: must be 0 (off), 1 (on cloud messages) or 2"},
		{"source list without attributes", appBase + "\n[source-list]\nlist=file:///a.mp4;file:///b.mp4\n", "bad.txt:23: [source-list] needs a [source-attr-all] group"},
		{"source list count", "[source-list]\nnum-source-bins=3\nlist=file:///a.mp4;file:///b.mp4\n[source-attr-all]\nenable=1\n[streammux]\nwidth=1\nheight=1\n", "bad.txt:2: num-source-bins=3: must equal the number of URIs in list (2)"},
		{"source list entry", "[source-list]\nlist=file:///a.mp4;ftp://b\n[source-attr-all]\nenable=1\n[streammux]\nwidth=1\nheight=1\n", `bad.txt:2: list=file:///a.mp4;ftp://b: "ftp://b": each entry must be a file:// or rtsp:// URI, csi:<N> or usb:<N>`},
		{"source list CSI entry", "[source-list]\nlist=csi:0\n[source-attr-all]\nenable=1\n[streammux]\nwidth=1\nheight=1\n", "bad.txt:2: list=csi:0: source 0 of [source-list]: type=5 (CSI camera) needs a Jetson; dsgo cannot open it"},
		{"not key=value", edit(t, "[streammux]\n", "[streammux]\ngarbage\n"), `bad.txt:10: line "garbage" is not a key=value pair, group or comment`},
		{"key before group", "enable=1\n" + appBase, "bad.txt:1: key before the first [group]"},
	}
	if len(cases) < 25 {
		t.Fatalf("%d cases, want >= 25", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, _, err := ParseApp("bad.txt", strings.NewReader(c.src), "/cfg")
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if a != nil {
				t.Errorf("App returned with an error")
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, c.want)
			}
			// One line per problem, each naming the file.
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "bad.txt") {
					t.Errorf("error line %q does not name the file", line)
				}
			}
		})
	}
}

func TestParseAppDisabledGroupsAreKept(t *testing.T) {
	src := appBase + `
[source1]
enable=0
type=5
latency=soon

[sink1]
type=3
codec=9

[secondary-gie0]
enable=0
bbox-border-color1=2;2;2;2
`
	a, warns, err := ParseApp("app.txt", strings.NewReader(src), "/cfg")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Sources) != 2 || a.Sources[1].Enable || a.Sources[1].Type != SourceCameraCSI || a.Sources[1].Index != 1 {
		t.Errorf("disabled source not kept: %+v", a.Sources)
	}
	if len(a.Sinks) != 2 || a.Sinks[1].Enable || len(a.SecondaryGIEs) != 1 || a.SecondaryGIEs[0].Enable {
		t.Errorf("disabled sink or GIE not kept: %+v %+v", a.Sinks, a.SecondaryGIEs)
	}
	want := []string{
		"app.txt:26: latency: must be an integer (ignored: [source1] is not enabled)",
		"app.txt:28: [sink1]: no enable=1: sink ignored, as deepstream-app does",
		"app.txt:34: bbox-border-color1: must be 4 numbers r;g;b;a, each 0-1 (ignored: [secondary-gie0] is not enabled)",
	}
	got := make([]string, len(warns))
	for i, w := range warns {
		got[i] = w.String()
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if in := a.Inputs(); len(in) != 1 {
		t.Errorf("Inputs: %d, want only the enabled source", len(in))
	}
}

func TestParseAppUnknownKeysWarn(t *testing.T) {
	src := edit(t, "[sink0]\nenable=1\ntype=1\n", "[sink0]\nenable=1\ntype=1\nSync=1\nfrobnicate=3\n") + "\n[my-plugin]\nx=1\n"
	_, warns, err := ParseApp("app.txt", strings.NewReader(src), "/cfg")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"app.txt:22: Sync: unknown key in [sink0] ignored; did you mean sync?",
		"app.txt:23: frobnicate: unknown key in [sink0] ignored",
		"app.txt:25: [my-plugin]: unknown group ignored (deepstream-app ignores it too)",
	}
	if len(warns) != len(want) {
		t.Fatalf("warnings %v, want %v", warns, want)
	}
	for i, w := range warns {
		if w.String() != want[i] {
			t.Errorf("warning %d = %q, want %q", i, w, want[i])
		}
	}
}

func TestParseAppValues(t *testing.T) {
	src := `[application]
enable-perf-measurement=1
perf-measurement-interval-sec=2
gie-kitti-output-dir=kitti

[tests]
file-loop=true

[source0]
enable=1
type=3
uri=file://videos/cam_%d.mp4
num-sources=3
gpu-id=1

[source1]
enable=1
type=4
uri=rtsp://10.0.0.1:554/live
latency=200
select-rtp-protocol=4
rtsp-reconnect-interval-sec=30
smart-record=2
smart-rec-dir-path=recordings
smart-rec-video-cache=20
smart-rec-container=1

[streammux]
width=1280
height=720
batched-push-timeout=40000
live-source=1
max-latency=33000000

[primary-gie]
enable=1
config-file=/abs/pgie.txt
model-engine-file=../models/m.engine
bbox-border-color=0;0;1;1
bbox-border-color2=0;1;0;0.5
bbox-bg-color1=0.1;0.2;0.3;0.4
operate-on-class-ids=0;2;

[secondary-gie2]
enable=1
plugin-type=1
config-file=sgie.pbtxt
operate-on-gie-id=1

[tracker]
enable=1
tracker-width=640
tracker-height=384
ll-lib-file=/opt/nvidia/deepstream/deepstream/lib/libnvds_nvmultiobjecttracker.so
ll-config-file=tracker.yml

[osd]
enable=1
display-mask=1
text-bg-color=0.3;0.3;0.3;1

[sink0]
enable=1
type=3
codec=2
container=2
output-file=out.mkv
bitrate=4000000

[sink1]
enable=1
type=6
msg-conv-config=msgconv.txt
msg-conv-payload-type=1
msg-broker-proto-lib=/opt/nvidia/deepstream/deepstream/lib/libnvds_mqtt_proto.so
msg-broker-conn-str=localhost;1883
topic=events
msg-broker-config=broker.txt

[message-consumer0]
enable=1
proto-lib=libnvds_kafka_proto.so
conn-str=localhost;9092
subscribe-topic-list=a;b
sensor-list-file=sensors.txt
`
	dir := "/srv/cfg"
	a, warns, err := ParseApp("/srv/cfg/app.txt", strings.NewReader(src), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 {
		t.Errorf("warnings: %v", warns)
	}
	if a.Dir != dir || a.Application.PerfMeasurementIntervalSec != 2 || a.Application.GIEKittiOutputDir != dir+"/kitti" || !a.Tests.FileLoop {
		t.Errorf("application/tests: %+v %+v", a.Application, a.Tests)
	}
	s0, s1 := a.Sources[0], a.Sources[1]
	if s0.Type != SourceMultiURI || s0.URI != "file://"+dir+"/videos/cam_%d.mp4" || s0.NumSources != 3 || s0.GPUID != 1 || s0.CameraID != 0 {
		t.Errorf("source0: %+v", s0)
	}
	if s1.Type != SourceRTSP || s1.Latency != 200 || s1.SelectRTPProtocol != 4 || s1.RTSPReconnectIntervalSec != 30 ||
		s1.SmartRecord != 2 || s1.SmartRecDirPath != "recordings" || s1.SmartRecCache != 20 || s1.SmartRecContainer != 1 ||
		s1.RTSPReconnectAttempts != -1 || s1.NumDecodeSurfaces != 16 || s1.CameraID != 1 {
		t.Errorf("source1: %+v", s1)
	}
	// deepstream-app's order: the type=3 source's first copy in place,
	// the RTSP source, then the other copies.
	var uris []string
	for _, in := range a.Inputs() {
		uris = append(uris, in.URI)
	}
	wantURIs := []string{"file://" + dir + "/videos/cam_0.mp4", "rtsp://10.0.0.1:554/live", "file://" + dir + "/videos/cam_1.mp4", "file://" + dir + "/videos/cam_2.mp4"}
	if strings.Join(uris, " ") != strings.Join(wantURIs, " ") {
		t.Errorf("Inputs: %v\nwant %v", uris, wantURIs)
	}
	if m := a.Streammux; m.Width != 1280 || m.BatchSize != 0 || m.BatchedPushTimeout != 40000 || !m.LiveSource || m.MaxLatency != 33000000 || !m.AttachSysTSAsNTP {
		t.Errorf("streammux: %+v", m)
	}
	g := a.PrimaryGIE
	if g.ConfigFile != "/abs/pgie.txt" || g.ModelEngineFile != "/srv/models/m.engine" || g.BBoxBorderColor != (Color{0, 0, 1, 1}) ||
		g.BBoxBorderColors[2] != (Color{0, 1, 0, 0.5}) || g.BBoxBgColors[1] != (Color{0.1, 0.2, 0.3, 0.4}) || g.BBoxBgColor != nil ||
		len(g.OperateOnClassIDs) != 2 || g.OperateOnClassIDs[1] != 2 || g.OperateOnGIEID != -1 {
		t.Errorf("primary-gie: %+v", g)
	}
	if sg := a.SecondaryGIEs[0]; sg.Index != 2 || sg.PluginType != PluginNvinferserver || sg.ConfigFile != dir+"/sgie.pbtxt" || sg.OperateOnGIEID != 1 {
		t.Errorf("secondary-gie2: %+v", sg)
	}
	if tr := a.Tracker; tr.Width != 640 || tr.LLConfigFile != dir+"/tracker.yml" || !tr.DisplayTrackingID || !tr.EnableBatchProcess {
		t.Errorf("tracker: %+v", tr)
	}
	if o := a.OSD; !o.DisplayMask || !o.DisplayText || o.TextBgColor == nil || *o.TextBgColor != (Color{0.3, 0.3, 0.3, 1}) {
		t.Errorf("osd: %+v", o)
	}
	// output-file stays relative: deepstream-app opens it from the
	// current directory.
	if f := a.Sinks[0]; f.Codec != 2 || f.Container != 2 || f.OutputFile != "out.mkv" || f.Bitrate != 4000000 {
		t.Errorf("sink0: %+v", f)
	}
	if b := a.Sinks[1]; b.MsgConvConfig != dir+"/msgconv.txt" || b.MsgConvPayloadType != 1 || b.MsgBrokerConfig != dir+"/broker.txt" ||
		b.Topic != "events" || b.MsgBrokerConnStr != "localhost;1883" || b.MsgConvFrameInterval != 30 {
		t.Errorf("sink1: %+v", b)
	}
	if mc := a.MessageConsumers[0]; mc.Index != 0 || len(mc.SubscribeTopicList) != 2 || mc.SensorListFile != dir+"/sensors.txt" || mc.ProtoLib != "libnvds_kafka_proto.so" {
		t.Errorf("message-consumer0: %+v", mc)
	}
	if e := a.Sinks[0].Err("codec", "not supported here"); e.Error() != "/srv/cfg/app.txt:65: codec=2: not supported here" {
		t.Errorf("Group.Err = %q", e)
	}
}

func TestParseAppSourceList(t *testing.T) {
	src := `[source-list]
list=file://a.mp4;rtsp://cam/1;usb:2
sensor-id-list=s0;s1;s2

[source-attr-all]
enable=1
type=3
latency=150
camera-width=640
camera-height=480
camera-fps-n=30
camera-fps-d=1

[source1]
enable=1
latency=500

[streammux]
width=1920
height=1080
`
	a, _, err := ParseApp("ds/list.txt", strings.NewReader(src), "/d")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Sources) != 3 || len(a.SourceList.SensorIDList) != 3 {
		t.Fatalf("sources: %+v", a.Sources)
	}
	s := a.Sources
	if s[0].Type != SourceURI || s[0].URI != "file:///d/a.mp4" || s[0].Latency != 150 {
		t.Errorf("source 0: %+v", s[0])
	}
	if s[1].Type != SourceRTSP || s[1].Latency != 500 || s[1].Name != "source1" {
		t.Errorf("source 1 must be the list's RTSP source with [source1]'s latency: %+v", s[1])
	}
	if s[2].Type != SourceCameraV4L2 || s[2].CameraV4L2DevNode != 2 || s[2].CameraID != 2 {
		t.Errorf("source 2: %+v", s[2])
	}
}

// writeFiles writes name=content pairs under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

const pgieConfig = `[property]
onnx-file=../models/det.onnx
labelfile-path=../models/labels.txt
num-detected-classes=4
`

// TestLoadAppRelativePaths loads a config from another directory than
// the current one: its relative paths resolve against its own directory.
func TestLoadAppRelativePaths(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"configs/app.txt": edit(t, "uri=file:///videos/a.mp4", "uri=file://../streams/a.mp4") +
			"\n[tracker]\nenable=1\nll-lib-file=/opt/nvidia/deepstream/deepstream/lib/libnvds_nvmultiobjecttracker.so\nll-config-file=tracker.yml\n",
		"configs/pgie.txt":    pgieConfig,
		"configs/tracker.yml": "BaseConfig:\n  minDetectorConfidence: 0.2\n",
		"models/det.onnx":     "onnx",
		"models/labels.txt":   "car\nbicycle\nperson\nroadsign\n",
		"streams/a.mp4":       "mp4",
	})
	path := filepath.Join(root, "configs", "app.txt")
	a, _, err := LoadApp(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "file://" + filepath.Join(root, "streams", "a.mp4"); a.Sources[0].URI != want {
		t.Errorf("uri = %q, want %q", a.Sources[0].URI, want)
	}
	if want := filepath.Join(root, "configs", "pgie.txt"); a.PrimaryGIE.ConfigFile != want {
		t.Errorf("config-file = %q, want %q", a.PrimaryGIE.ConfigFile, want)
	}
	warns, err := a.ValidateFiles()
	if err != nil {
		t.Fatalf("ValidateFiles: %v", err)
	}
	for _, w := range warns {
		t.Logf("warning: %s", w)
	}
}

func TestValidateFilesErrors(t *testing.T) {
	tracker := "\n[tracker]\nenable=1\nll-lib-file=/usr/lib/libmytracker.so\n"
	broker := edit(t, "[sink0]\nenable=1\ntype=1\n", "[sink0]\nenable=1\ntype=6\nmsg-broker-proto-lib=libnvds_zeromq_proto.so\nmsg-conv-config=msgconv.txt\n")
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing video", map[string]string{"app.txt": edit(t, "uri=file:///videos/a.mp4", "uri=file://a.mp4")},
			"app.txt:7: uri=file://a.mp4: file not found: "},
		{"missing GIE config", map[string]string{"app.txt": appBase},
			"app.txt:16: config-file=pgie.txt: file not found: "},
		{"missing model file", map[string]string{"app.txt": appBase, "pgie.txt": pgieConfig, "../models/labels.txt": "car\n"},
			"pgie.txt:2: onnx-file=../models/det.onnx: file not found: "},
		{"missing label file", map[string]string{"app.txt": appBase, "pgie.txt": pgieConfig, "../models/det.onnx": "x"},
			"pgie.txt:3: labelfile-path=../models/labels.txt: file not found: "},
		{"bad GIE config", map[string]string{"app.txt": appBase, "pgie.txt": pgieConfig + "cluster-mode=7\n"},
			"pgie.txt:5: cluster-mode=7: must be 0-4"},
		{"engine without model", map[string]string{"app.txt": edit(t, "config-file=pgie.txt", "config-file=pgie.txt\nmodel-engine-file=m.engine"),
			"pgie.txt": "[property]\nnum-detected-classes=1\n"},
			"app.txt:17: model-engine-file=m.engine: engine not found and "},
		{"unknown tracker library", map[string]string{"app.txt": appBase + tracker, "pgie.txt": pgieConfig, "../models/det.onnx": "x", "../models/labels.txt": "car\n"},
			"app.txt:25: ll-lib-file=/usr/lib/libmytracker.so: library libmytracker.so is not one dsgo provides"},
		{"unknown broker and missing converter config", map[string]string{"app.txt": broker, "pgie.txt": pgieConfig, "../models/det.onnx": "x", "../models/labels.txt": "car\n"},
			"app.txt:22: msg-broker-proto-lib=libnvds_zeromq_proto.so: library libnvds_zeromq_proto.so is not one dsgo provides"},
		{"missing converter config", map[string]string{"app.txt": broker, "pgie.txt": pgieConfig, "../models/det.onnx": "x", "../models/labels.txt": "car\n"},
			"app.txt:23: msg-conv-config=msgconv.txt: file not found: "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, "cfg")
			writeFiles(t, dir, c.files)
			a, _, err := LoadApp(filepath.Join(dir, "app.txt"))
			if err != nil {
				t.Fatalf("LoadApp: %v", err)
			}
			_, err = a.ValidateFiles()
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error %T is not an ErrorList", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error:\n%v\nwant it to contain:\n%s", err, c.want)
			}
		})
	}
}

func FuzzLoadApp(f *testing.F) {
	f.Add([]byte(appBase))
	f.Add([]byte("[source-list]\nlist=file://a;rtsp://b;usb:1;csi:x\nnum-source-bins=3\n[source-attr-all]\ntype=3\n[source1]\nenable=1\n"))
	f.Add([]byte("[primary-gie]\nenable=1\nbbox-border-color=1;1;1;1\nbbox-bg-color7=0;0;0;0\nbbox-border-colorx=1\n"))
	f.Add([]byte("[sink]\nenable=1\ntype=3\n[secondary-gie]\nenable=1\n[source00]\nenable=1\n[source0]\nenable=1\n"))
	files, _ := filepath.Glob("testdata/app/corpus/*/*.txt")
	for _, name := range files[:min(len(files), 8)] {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, _, err := ParseApp("fuzz.txt", bytes.NewReader(data), "/fuzz")
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
			return
		}
		if err := a.ValidateSyntax(); err != nil {
			t.Fatalf("ParseApp accepted a config ValidateSyntax rejects: %v", err)
		}
		_ = a.Inputs()
	})
}
