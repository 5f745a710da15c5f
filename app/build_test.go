package app

import (
	"strconv"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/configs"
	"github.com/dsgo/dsgo/pipeline"
)

// parse parses a deepstream-app config written in /cfg.
func parse(t *testing.T, text string) *configs.App {
	t.Helper()
	cfg, _, err := configs.ParseApp("test.txt", strings.NewReader(text), "/cfg")
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return cfg
}

const mux = "[streammux]\nbatch-size=2\nwidth=640\nheight=360\n"

func src(n int, typ, uri string) string {
	return "[source" + string(rune('0'+n)) + "]\nenable=1\ntype=" + typ + "\nuri=" + uri + "\n"
}

// Configs become the launch lines deepstream-app's pipeline would have.
func TestBuildBranches(t *testing.T) {
	cases := []struct {
		name, cfg string
		opts      BuildOptions
		want      []string
	}{{
		name: "one file to MP4",
		cfg: src(0, "2", "file://a.mp4") + mux + "[osd]\nenable=1\n" +
			"[sink0]\nenable=1\ntype=3\ncodec=2\ncontainer=2\nbitrate=2000000\niframeinterval=10\noutput-file=out.mkv\n",
		want: []string{
			"uridecodebin name=source0 uri=file:///cfg/a.mp4 ! streammux.sink_0",
			"nvstreammux name=streammux batch-size=2 width=640 height=360 ! queue ! nvdsosd name=osd display-text=true display-bbox=true ! queue ! " +
				"dsencsink name=sink0 location=out.mkv codec=h265 container=mkv bitrate=2000 key-int-max=10 sync=false",
		},
	}, {
		name: "multi-URI, primary and secondary GIEs, tiled, two sinks",
		cfg: "[tiled-display]\nenable=1\nrows=1\ncolumns=2\nwidth=1280\nheight=360\n" +
			"[source0]\nenable=1\ntype=3\nuri=file:///v/a.mp4\nnum-sources=2\n" + mux +
			"[primary-gie]\nenable=1\nconfig-file=pgie.txt\nbatch-size=2\ngie-unique-id=1\ninterval=2\nmodel-engine-file=m.engine\n" +
			"[secondary-gie3]\nenable=1\nconfig-file=sgie.txt\ngie-unique-id=4\n" +
			"[secondary-gie4]\nenable=0\nconfig-file=off.txt\n" +
			"[sink0]\nenable=1\ntype=1\nsync=1\n[sink1]\nenable=1\ntype=4\ncodec=1\nrtsp-port=8600\nudp-port=5401\nbitrate=1000000\n",
		want: []string{
			"uridecodebin name=source0 uri=file:///v/a.mp4 ! streammux.sink_0",
			"uridecodebin name=source1 uri=file:///v/a.mp4 ! streammux.sink_1",
			"nvstreammux name=streammux batch-size=2 width=640 height=360 ! queue ! " +
				"nvinfer name=primary_gie config-file-path=/cfg/pgie.txt process-mode=primary batch-size=2 interval=2 unique-id=1 model-engine-file=/cfg/m.engine ! queue ! " +
				"nvinfer name=secondary_gie_3 config-file-path=/cfg/sgie.txt process-mode=secondary unique-id=4 ! " +
				"nvmultistreamtiler name=tiler rows=1 columns=2 width=1280 height=360 ! tee name=sink_tee",
			"sink_tee. ! queue ! fakesink name=sink0 sync=true async=false",
			"sink_tee. ! queue ! videoconvert ! video/x-raw,format=I420 ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=1000 key-int-max=30 ! " +
				"h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! rtspserversink name=sink1 port=8600 address=0.0.0.0 udp-port=5401 sync=false",
		},
	}, {
		name: "tiler off, sinks per source through the demuxer; -i replaces the first source",
		cfg: src(0, "2", "file://a.mp4") + src(1, "4", "rtsp://cam/1") + mux + "[osd]\nenable=1\ndisplay-text=0\n" +
			"[sink0]\nenable=1\ntype=2\nsource-id=1\n[sink1]\nenable=1\ntype=1\nsource-id=1\n",
		opts: BuildOptions{InputURIs: []string{"/x/in put.mp4"}, NoDisplay: true},
		want: []string{
			`uridecodebin name=source0 uri="file:///x/in put.mp4" ! streammux.sink_0`,
			"uridecodebin name=source1 uri=rtsp://cam/1 latency=100 select-rtp-protocol=0 ! streammux.sink_1",
			"nvstreammux name=streammux batch-size=2 width=640 height=360 live-source=true batched-push-timeout=40000 ! nvstreamdemux name=demux",
			"demux.src_1 ! queue ! nvdsosd name=osd_1 display-text=false display-bbox=true ! tee name=sink_tee_1",
			"sink_tee_1. ! queue ! fakesink name=sink0 sync=false async=false",
			"sink_tee_1. ! queue ! fakesink name=sink1 sync=false async=false",
		},
	}, {
		name: "camera, display, OSD clock",
		cfg: "[source0]\nenable=1\ntype=1\ncamera-v4l2-dev-node=2\ncamera-width=640\ncamera-height=480\ncamera-fps-n=30\ncamera-fps-d=1\n" + mux +
			"[osd]\nenable=1\nshow-clock=1\nclock-x-offset=8\nclock-color=1;0;0;1\n[sink0]\nenable=1\ntype=2\n",
		want: []string{
			"v4l2src name=source0 device=/dev/video2 ! video/x-raw,width=640,height=480,framerate=30/1 ! videoconvert ! video/x-raw,format=NV12 ! streammux.sink_0",
			"nvstreammux name=streammux batch-size=2 width=640 height=360 live-source=true batched-push-timeout=40000 ! queue ! " +
				"nvdsosd name=osd display-text=true display-bbox=true display-clock=true clock-x-offset=8 clock-color=0xff0000ff ! queue ! videoconvert ! autovideosink name=sink0 sync=false",
		},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, err := Build(parse(t, c.cfg), c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := plan.Branches; strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

// What dsgo cannot build is an error naming file, line and key; what it
// skips is a warning.
func TestBuildErrorsAndWarnings(t *testing.T) {
	cases := []struct {
		name, cfg, err, warn string
		opts                 BuildOptions
	}{
		{name: "msgbroker sink", cfg: src(0, "2", "file://a.mp4") + mux + "[sink0]\nenable=1\ntype=6\nmsg-conv-config=c.txt\nmsg-broker-proto-lib=k.so\nmsg-broker-conn-str=h;1\ntopic=t\n",
			err: "test.txt:11: type=6: sink type 6 needs msgconv/msgbroker, not in dsgo yet"},
		{name: "nvinferserver", cfg: src(0, "2", "file://a.mp4") + mux + "[primary-gie]\nenable=1\nplugin-type=1\nconfig-file=p.txt\n[sink0]\nenable=1\ntype=1\n",
			err: "plugin-type=1: nvinferserver (plugin-type=1) is not in dsgo yet"},
		{name: "MPEG-4 file", cfg: src(0, "2", "file://a.mp4") + mux + "[sink0]\nenable=1\ntype=3\ncodec=3\ncontainer=1\noutput-file=o.mp4\n",
			err: "codec=3: dsgo encodes H.264 (1) or H.265 (2)"},
		{name: "too many -i", cfg: src(0, "2", "file://a.mp4") + mux + "[sink0]\nenable=1\ntype=1\n",
			opts: BuildOptions{InputURIs: []string{"a", "b"}}, err: "-i given 2 times, but the config has 1 enabled sources"},
		{name: "tracker", cfg: src(0, "2", "file://a.mp4") + mux + "[tracker]\nenable=1\ntracker-width=640\ntracker-height=384\nll-lib-file=/x/libnvds_mot_iou.so\n[sink0]\nenable=1\ntype=1\n",
			warn: "[tracker] enable: tracker not yet available; objects carry no track ids"},
		{name: "no sink", cfg: src(0, "2", "file://a.mp4") + mux, warn: "no enabled [sinkN] group; frames go to a fakesink"},
		{name: "display headless", cfg: src(0, "2", "file://a.mp4") + mux + "[sink0]\nenable=1\ntype=5\n",
			opts: BuildOptions{NoDisplay: true}, warn: "display sink (type=5) replaced by a fakesink (--no-display)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			plan, err := Build(parse(t, c.cfg), c.opts)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(plan.Warnings, "\n"), c.warn) {
				t.Fatalf("warnings %q, want %q", plan.Warnings, c.warn)
			}
		})
	}
}

// Single source, no tiler or -t show labels; a tiled multi-source display
// does not, as in deepstream-app.
func TestBuildShowText(t *testing.T) {
	tiled := "[tiled-display]\nenable=1\nrows=1\ncolumns=2\nwidth=640\nheight=180\n"
	two := src(0, "2", "file://a.mp4") + src(1, "2", "file://b.mp4") + mux + "[sink0]\nenable=1\ntype=1\n"
	for _, c := range []struct {
		cfg  string
		opts BuildOptions
		want bool
	}{
		{tiled + two, BuildOptions{}, false},
		{tiled + two, BuildOptions{TiledText: true}, true},
		{two, BuildOptions{}, true},
		{tiled + src(0, "2", "file://a.mp4") + mux, BuildOptions{}, true},
	} {
		plan, err := Build(parse(t, c.cfg), c.opts)
		if err != nil {
			t.Fatal(err)
		}
		if plan.ShowText != c.want {
			t.Errorf("ShowText %v, want %v for\n%s", plan.ShowText, c.want, c.cfg)
		}
	}
}

func TestLaunchQuote(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"":             `""`,
		"a b":          `"a b"`,
		`q"uote\`:      `"q\"uote\\"`,
		"x=1,y=2 ! z ": `"x=1,y=2 ! z "`,
	} {
		if got := launchQuote(in); got != want {
			t.Errorf("launchQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

// Source ids follow deepstream-app: a type=3 source's extra copies come
// after every other source, with %d in the URI replaced by the copy.
func TestBuildSourceOrder(t *testing.T) {
	cfg := parse(t, "[source0]\nenable=1\ntype=3\nuri=file:///v/cam%d.mp4\nnum-sources=2\n"+src(1, "2", "file:///v/b.mp4")+mux)
	plan, err := Build(cfg, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"uridecodebin name=source0 uri=file:///v/cam0.mp4 ! streammux.sink_0",
		"uridecodebin name=source1 uri=file:///v/b.mp4 ! streammux.sink_1",
		"uridecodebin name=source2 uri=file:///v/cam1.mp4 ! streammux.sink_2",
	}
	if got := strings.Join(plan.Branches[:3], "\n"); got != strings.Join(want, "\n") || plan.NumSources != 3 {
		t.Fatalf("got\n%s\nwant\n%s", got, strings.Join(want, "\n"))
	}
}

// Any config the parser accepts builds without panicking, and a plan is
// always valid launch syntax whose source URIs survive quoting.
func FuzzBuild(f *testing.F) {
	f.Add(src(0, "2", "file://a b\"c'd!e=f.mp4") + mux + "[sink0]\nenable=1\ntype=3\ncontainer=1\ncodec=1\noutput-file=o u\\t.mp4\n")
	f.Add("[tiled-display]\nenable=1\nrows=2\ncolumns=2\nwidth=640\nheight=480\n[source0]\nenable=1\ntype=3\nnum-sources=3\nuri=rtsp://h/%d\n" + mux +
		"[primary-gie]\nenable=1\nconfig-file=p.txt\ngie-unique-id=1\noperate-on-class-ids=0;2\n[secondary-gie0]\nenable=1\nconfig-file=s.txt\n" +
		"[sink0]\nenable=1\ntype=4\ncodec=2\n[sink1]\nenable=1\ntype=2\n")
	f.Add(src(0, "1", "") + src(1, "2", "file://x") + mux + "[osd]\nenable=1\nshow-clock=1\nclock-color=1;1;0;1\n[sink0]\nenable=1\ntype=1\nsource-id=1\n")
	f.Fuzz(func(t *testing.T, text string) {
		cfg, _, err := configs.ParseApp("fuzz.txt", strings.NewReader(text), "/cfg")
		if err != nil {
			return
		}
		for _, opts := range []BuildOptions{{}, {NoDisplay: true, TiledText: true, InputURIs: []string{"in put.mp4"}}} {
			plan, err := Build(cfg, opts)
			if err != nil {
				continue
			}
			pl, err := pipeline.ParseLaunch(plan.Description())
			if err != nil {
				t.Fatalf("plan is not launch syntax: %v\n%s", err, plan)
			}
			uris := map[string]string{}
			for _, e := range pl.Elements {
				for _, p := range e.Props {
					if e.Factory == "uridecodebin" && p.Key == "uri" {
						uris[e.Name] = p.Value
					}
				}
			}
			if len(opts.InputURIs) == 0 {
				for id, s := range cfg.Inputs() {
					if s.Type == configs.SourceURI && uris["source"+strconv.Itoa(id)] != s.URI {
						t.Fatalf("source%d uri %q, want %q", id, uris["source"+strconv.Itoa(id)], s.URI)
					}
				}
			}
		}
	})
}
