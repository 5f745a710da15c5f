package configs

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Allowed values said once, for the rules below.
const (
	msgGPU      = "must be >= 0"
	msgNvbuf    = "must be 0-3 (0 default, 1 pinned, 2 device, 3 unified memory)"
	msgHW       = "must be 0-2 (0 default, 1 GPU, 2 VIC)"
	msgNonNeg   = "must be >= 0"
	msgPositive = "must be >= 1"
)

func oneOf(v ...float64) func(float64) bool {
	return func(x float64) bool { return slices.Contains(v, x) }
}

var applicationRules = []rule{
	{"perf-measurement-interval-sec", atLeast(1), msgPositive},
	{"global-gpu-id", atLeast(-1), "must be >= -1 (-1: each group's own gpu-id)"},
}

var testsRules = []rule{{"pipeline-recreate-sec", atLeast(0), msgNonNeg}}

var tiledDisplayRules = []rule{
	{"enable", between(0, 2), "must be 0 (off), 1 (on) or 2 (on, with a demuxer for link-to-demux sinks)"},
	{"rows", atLeast(0), msgNonNeg},
	{"columns", atLeast(0), msgNonNeg},
	{"width", atLeast(0), msgNonNeg},
	{"height", atLeast(0), msgNonNeg},
	{"gpu-id", atLeast(0), msgGPU},
	{"nvbuf-memory-type", between(0, 3), msgNvbuf},
	{"compute-hw", between(0, 2), msgHW},
	{"buffer-pool-size", atLeast(0), msgNonNeg},
}

var sourceRules = []rule{
	{"type", between(1, 8), "must be 1 (V4L2 camera), 2 (URI), 3 (multi-URI) or 4 (RTSP)"},
	{"num-sources", between(0, maxSources), "must be 0-1024 (deepstream-app opens at most 1024 sources)"},
	{"gpu-id", atLeast(0), msgGPU},
	{"cudadec-memtype", between(0, 2), "must be 0 (device), 1 (pinned) or 2 (unified memory)"},
	{"nvbuf-memory-type", between(0, 3), msgNvbuf},
	{"camera-width", atLeast(0), msgNonNeg},
	{"camera-height", atLeast(0), msgNonNeg},
	{"camera-fps-n", atLeast(0), msgNonNeg},
	{"camera-fps-d", atLeast(0), msgNonNeg},
	{"camera-csi-sensor-id", atLeast(0), msgNonNeg},
	{"camera-v4l2-dev-node", atLeast(0), msgNonNeg},
	{"camera-id", atLeast(0), msgNonNeg},
	{"source-id", atLeast(0), msgNonNeg},
	{"dec-skip-frames", between(0, 2), "must be 0 (decode all), 1 (skip non-reference frames) or 2 (key frames only)"},
	{"num-decode-surfaces", atLeast(0), msgNonNeg},
	{"num-extra-surfaces", atLeast(0), msgNonNeg},
	{"drop-frame-interval", atLeast(0), msgNonNeg},
	{"latency", atLeast(0), msgNonNeg},
	{"select-rtp-protocol", oneOf(0, 4, 7), "must be 0 (default), 4 (TCP only) or 7 (UDP, UDP multicast and TCP)"},
	{"rtsp-reconnect-interval-sec", atLeast(0), msgNonNeg},
	{"rtsp-reconnect-attempts", atLeast(-1), "must be >= -1 (-1: no limit)"},
	{"udp-buffer-size", atLeast(0), msgNonNeg},
	{"smart-record", between(0, 2), "must be 0 (off), 1 (on cloud messages) or 2 (on cloud messages and local events)"},
	{"smart-rec-cache", atLeast(0), msgNonNeg},
	{"smart-rec-video-cache", atLeast(0), msgNonNeg},
	{"smart-rec-container", between(0, 1), "must be 0 (MP4) or 1 (MKV)"},
	{"smart-rec-start-time", atLeast(0), msgNonNeg},
	{"smart-rec-default-duration", atLeast(0), msgNonNeg},
	{"smart-rec-duration", atLeast(0), msgNonNeg},
	{"smart-rec-interval", atLeast(0), msgNonNeg},
}

var sourceListRules = []rule{
	{"num-source-bins", atLeast(0), msgNonNeg},
	{"max-batch-size", atLeast(0), msgNonNeg},
	{"sgie-batch-size", atLeast(0), msgNonNeg},
}

var streammuxRules = []rule{
	{"gpu-id", atLeast(0), msgGPU},
	{"batch-size", atLeast(0), "must be >= 0 (0: one frame per source)"},
	{"batched-push-timeout", atLeast(-1), "must be >= -1 (µs; -1 waits for a full batch)"},
	{"width", atLeast(0), msgNonNeg},
	{"height", atLeast(0), msgNonNeg},
	{"nvbuf-memory-type", between(0, 3), msgNvbuf},
	{"buffer-pool-size", atLeast(0), msgNonNeg},
	{"frame-duration", atLeast(-1), "must be >= -1 (ms; -1 from the stream)"},
	{"compute-hw", between(0, 2), msgHW},
	{"interpolation-method", atLeast(0), msgNonNeg},
	{"num-surfaces-per-frame", atLeast(0), msgNonNeg},
}

var preProcessRules = []rule{{"operate-on-gie-id", atLeast(-1), "must be >= -1"}}

var gieRules = []rule{
	{"plugin-type", between(0, 1), "must be 0 (nvinfer) or 1 (nvinferserver)"},
	{"batch-size", atLeast(1), msgPositive},
	{"interval", atLeast(0), msgNonNeg},
	{"gie-unique-id", atLeast(0), msgNonNeg},
	{"operate-on-gie-id", atLeast(-1), "must be >= -1 (-1: any)"},
	{"gpu-id", atLeast(0), msgGPU},
	{"nvbuf-memory-type", between(0, 3), msgNvbuf},
	{"audio-framesize", atLeast(0), msgNonNeg},
	{"audio-hopsize", atLeast(0), msgNonNeg},
	{"audio-input-rate", atLeast(0), msgNonNeg},
}

var trackerRules = []rule{
	{"tracker-width", atLeast(0), msgNonNeg},
	{"tracker-height", atLeast(0), msgNonNeg},
	{"gpu-id", atLeast(0), msgGPU},
	{"tracking-id-reset-mode", between(0, 3), "must be 0-3 (0 never, 1 on stream reset, 2 on EOS, 3 both)"},
	{"tracking-surface-type", atLeast(0), msgNonNeg},
	{"tracker-surface-type", atLeast(0), msgNonNeg},
	{"compute-hw", between(0, 2), msgHW},
	{"tensor-meta-gie-id", atLeast(0), msgNonNeg},
	{"user-meta-pool-size", atLeast(0), msgNonNeg},
}

var osdRules = []rule{
	{"process-mode", between(0, 2), "must be 0 (CPU), 1 (GPU) or 2 (VIC, Jetson)"},
	{"border-width", atLeast(0), msgNonNeg},
	{"text-size", atLeast(0), msgNonNeg},
	{"clock-x-offset", atLeast(0), msgNonNeg},
	{"clock-y-offset", atLeast(0), msgNonNeg},
	{"clock-text-size", atLeast(0), msgNonNeg},
	{"gpu-id", atLeast(0), msgGPU},
	{"nvbuf-memory-type", between(0, 3), msgNvbuf},
}

var sinkRules = []rule{
	{"type", between(1, 6), "must be 1 (fake), 2 (display), 3 (file), 4 (RTSP), 5 (overlay display) or 6 (message broker)"},
	{"width", atLeast(0), msgNonNeg},
	{"height", atLeast(0), msgNonNeg},
	{"offset-x", atLeast(0), msgNonNeg},
	{"offset-y", atLeast(0), msgNonNeg},
	{"gpu-id", atLeast(0), msgGPU},
	{"nvbuf-memory-type", between(0, 3), msgNvbuf},
	{"source-id", atLeast(0), msgNonNeg},
	{"codec", between(1, 3), "must be 1 (H.264), 2 (H.265) or 3 (MPEG-4)"},
	{"container", between(1, 2), "must be 1 (MP4) or 2 (MKV)"},
	{"enc-type", between(0, 1), "must be 0 (hardware) or 1 (software encoder)"},
	{"bitrate", atLeast(0), msgNonNeg},
	{"profile", atLeast(0), msgNonNeg},
	{"iframeinterval", atLeast(0), msgNonNeg},
	{"rtsp-port", between(1, 65535), "must be a port, 1-65535"},
	{"udp-port", between(1, 65535), "must be a port, 1-65535"},
	{"msg-broker-comp-id", atLeast(0), msgNonNeg},
}

var msgConvRules = []rule{
	{"msg-conv-payload-type", oneOf(0, 1, 2, 256, 257), "must be 0 (DeepStream JSON), 1 (minimal JSON), 2 (protobuf), 256 (reserved) or 257 (custom)"},
	{"msg-conv-comp-id", atLeast(0), msgNonNeg},
	{"msg-conv-frame-interval", atLeast(1), msgPositive},
}

var imgSaveRules = []rule{
	{"second-to-skip-interval", atLeast(0), msgNonNeg},
	{"min-confidence", between(0, 1), "must be 0-1"},
	{"max-confidence", between(0, 1), "must be 0-1"},
	{"min-box-width", atLeast(0), msgNonNeg},
	{"min-box-height", atLeast(0), msgNonNeg},
	{"gpu-id", atLeast(0), msgGPU},
}

var dsExampleRules = []rule{
	{"processing-width", atLeast(0), msgNonNeg},
	{"processing-height", atLeast(0), msgNonNeg},
	{"gpu-id", atLeast(0), msgGPU},
}

// appValidator collects the errors of ValidateSyntax.
type appValidator struct {
	a    *App
	errs ErrorList
}

// checkRules checks the keys grp sets against rules; unset keys keep
// deepstream-app's defaults, which are valid.
func checkRules[T any](v *appValidator, grp *Group, dst *T, keys map[string]appKey[T], rules []rule) {
	for _, r := range rules {
		e, set := grp.pos[r.key]
		if !set {
			continue
		}
		if x, ok := numeric(keys[r.key].get(dst)); ok && !r.ok(x) {
			v.errs = append(v.errs, &Error{File: grp.File, Line: e.line, Key: r.key, Value: e.value, Msg: r.msg})
		}
	}
}

// need reports a key a group must set.
func (v *appValidator) need(grp *Group, key, why string) {
	v.errs = append(v.errs, &Error{File: grp.File, Line: grp.Line, Msg: fmt.Sprintf("[%s] needs %s%s", grp.Name, key, why)})
}

// fail reports a bad value of a key grp sets (or, when unset, the group).
func (v *appValidator) fail(grp *Group, key, msg string) {
	v.errs = append(v.errs, grp.Err(key, msg))
}

// ValidateSyntax checks the configuration alone: value ranges, allowed
// enums, keys each group type needs (a type=2 source needs uri, a GIE
// needs config-file, ...) and what dsgo cannot run (a type=5 CSI
// camera). Groups deepstream-app skips (sources, sinks and GIEs without
// enable=1) are not checked. ParseApp and LoadApp call it; errors name
// file:line, key, value and what is allowed, all returned as an
// ErrorList.
func (a *App) ValidateSyntax() error {
	v := &appValidator{a: a}
	checkRules(v, &a.Application.Group, &a.Application, applicationKeys, applicationRules)
	checkRules(v, &a.Tests.Group, &a.Tests, testsKeys, testsRules)
	v.tiledDisplay()
	v.sources()
	v.streammux()
	v.gies()
	v.tracker()
	checkRules(v, &a.OSD.Group, &a.OSD, osdKeys, osdRules)
	v.sinks()
	v.others()
	sortErrors(v.errs)
	return v.errs.err()
}

func (v *appValidator) tiledDisplay() {
	t := &v.a.TiledDisplay
	checkRules(v, &t.Group, t, tiledDisplayKeys, tiledDisplayRules)
	if t.Enable == TiledDisplayDisable {
		return
	}
	for _, key := range []string{"rows", "columns", "width", "height"} {
		if x, _ := numeric(tiledDisplayKeys[key].get(t)); x < 1 {
			v.fail(&t.Group, key, fmt.Sprintf("must be >= 1 when the tiler is enabled (enable=%d)", t.Enable))
		}
	}
}

func (v *appValidator) sources() {
	a := v.a
	if sl := a.SourceList; sl != nil {
		checkRules(v, &sl.Group, sl, sourceListKeys, sourceListRules)
	}
	if s := a.SourceAttrAll; s != nil {
		checkRules(v, &s.Group, s, sourceKeys, sourceRules)
	}
	enabled := 0
	for i := range a.Sources {
		s := &a.Sources[i]
		if !s.Enable {
			continue
		}
		enabled++
		if s.Line > 0 && (a.SourceAttrAll == nil || s.Line != a.SourceAttrAll.Line) {
			checkRules(v, &s.Group, s, sourceKeys, sourceRules)
		}
		v.source(s)
	}
	useMulti := a.SourceList != nil && a.SourceList.UseNvmultiurisrcbin
	if enabled == 0 && !useMulti {
		v.errs = append(v.errs, &Error{File: a.File,
			Msg: "no enabled source: set enable=1 in a [sourceN] group, or list URIs in [source-list]"})
	}
}

// source checks what a source of its type needs.
func (v *appValidator) source(s *Source) {
	name := s.Name
	if s.Index >= 0 && v.a.SourceList != nil {
		name = fmt.Sprintf("source %d of [source-list]", s.Index)
	}
	switch s.Type {
	case SourceCameraV4L2:
		for _, key := range []string{"camera-width", "camera-height", "camera-fps-n", "camera-fps-d"} {
			if x, _ := numeric(sourceKeys[key].get(s)); x < 1 {
				v.fail(&s.Group, key, fmt.Sprintf("%s: a type=1 (V4L2 camera) source needs %s >= 1", name, key))
			}
		}
	case SourceURI, SourceMultiURI:
		if s.URI == "" {
			v.need(&s.Group, "uri", fmt.Sprintf(", e.g. file:///path/video.mp4 (%s is a type=%d URI source)", name, s.Type))
		} else if !strings.Contains(s.URI, "://") {
			v.fail(&s.Group, "uri", "must be a URI such as file:///path/video.mp4 or rtsp://host/stream")
		}
	case SourceRTSP:
		if s.URI == "" {
			v.need(&s.Group, "uri", fmt.Sprintf(", e.g. rtsp://host:554/stream (%s is a type=4 RTSP source)", name))
		} else if !strings.HasPrefix(s.URI, "rtsp") {
			v.fail(&s.Group, "uri", "a type=4 (RTSP) source needs an rtsp:// URI")
		}
	case SourceCameraCSI:
		v.typeErr(s, name+": type=5 (CSI camera) needs a Jetson; dsgo cannot open it")
	case SourceAudioWAV, SourceAudioURI, SourceALSA:
		v.typeErr(s, fmt.Sprintf("%s: type=%d is an audio source; dsgo handles video only", name, s.Type))
	}
}

// typeErr reports a source type dsgo cannot open at its type key, or, for
// a source a [source-list] entry made (csi:N), at that list.
func (v *appValidator) typeErr(s *Source, msg string) {
	if sl := v.a.SourceList; sl != nil && !s.Has("type") {
		v.errs = append(v.errs, sl.Err("list", msg))
		return
	}
	v.fail(&s.Group, "type", msg)
}

func (v *appValidator) streammux() {
	a := v.a
	m := &a.Streammux
	checkRules(v, &m.Group, m, streammuxKeys, streammuxRules)
	if m.ConfigFile != "" || (a.SourceList != nil && a.SourceList.UseNvmultiurisrcbin) {
		return // the new nvstreammux sizes nothing
	}
	if !slices.ContainsFunc(a.Sources, func(s Source) bool { return s.Enable }) {
		return
	}
	switch {
	case !m.Present():
		v.errs = append(v.errs, &Error{File: a.File,
			Msg: "missing [streammux] group: nvstreammux needs width and height (e.g. width=1920, height=1080, batch-size=<number of sources>)"})
	case m.Width < 1 || m.Height < 1:
		v.need(&m.Group, "width and height", " >= 1: the size frames are scaled to")
	}
}

func (v *appValidator) gies() {
	a := v.a
	type idAt struct {
		id  int
		gie *GIE
	}
	var ids []idAt
	check := func(g *GIE) {
		checkRules(v, &g.Group, g, gieKeys, gieRules)
		if g.ConfigFile == "" {
			v.need(&g.Group, "config-file", " (the "+g.PluginType.element()+" configuration)")
		}
		for _, id := range g.OperateOnClassIDs {
			if id < 0 {
				v.fail(&g.Group, "operate-on-class-ids", "class ids must be >= 0")
				break
			}
		}
		if !g.Has("gie-unique-id") {
			return
		}
		for _, o := range ids {
			if o.id == g.GIEUniqueID {
				v.fail(&g.Group, "gie-unique-id", fmt.Sprintf("[%s] (line %d) has the same id; ids must be unique", o.gie.Name, o.gie.KeyLine("gie-unique-id")))
				return
			}
		}
		ids = append(ids, idAt{g.GIEUniqueID, g})
	}
	if g := a.PrimaryGIE; g != nil && g.Enable {
		check(g)
	}
	for i := range a.SecondaryGIEs {
		if g := &a.SecondaryGIEs[i]; g.Enable {
			check(g)
		}
	}
	if p := a.PreProcess; p != nil {
		v.preProcess(p)
	}
	for i := range a.SecondaryPreProcesses {
		v.preProcess(&a.SecondaryPreProcesses[i])
	}
}

func (v *appValidator) preProcess(p *PreProcess) {
	checkRules(v, &p.Group, p, preProcessKeys, preProcessRules)
	if p.Enable && p.ConfigFile == "" {
		v.need(&p.Group, "config-file", " (the nvdspreprocess configuration)")
	}
}

func (v *appValidator) tracker() {
	t := &v.a.Tracker
	checkRules(v, &t.Group, t, trackerKeys, trackerRules)
	if t.Enable && t.LLLibFile == "" {
		v.need(&t.Group, "ll-lib-file", " (e.g. /opt/nvidia/deepstream/deepstream/lib/libnvds_nvmultiobjecttracker.so)")
	}
}

func (v *appValidator) sinks() {
	for i := range v.a.Sinks {
		s := &v.a.Sinks[i]
		if !s.Enable {
			continue
		}
		checkRules(v, &s.Group, s, sinkKeys, sinkRules)
		checkRules(v, &s.Group, &s.MsgConv, msgConvKeys, msgConvRules)
		switch s.Type {
		case SinkFile:
			if s.OutputFile == "" {
				v.need(&s.Group, "output-file", " (a type=3 sink writes a file)")
			}
			if !s.Has("codec") {
				v.need(&s.Group, "codec", ": 1 (H.264), 2 (H.265) or 3 (MPEG-4)")
			}
			if !s.Has("container") {
				v.need(&s.Group, "container", ": 1 (MP4) or 2 (MKV)")
			}
		case SinkRTSP:
			switch {
			case !s.Has("codec"):
				v.need(&s.Group, "codec", ": 1 (H.264) or 2 (H.265)")
			case s.Codec == 3:
				v.fail(&s.Group, "codec", "must be 1 (H.264) or 2 (H.265) for a type=4 (RTSP) sink")
			}
		case SinkMsgBroker:
			if s.MsgBrokerProtoLib == "" {
				v.need(&s.Group, "msg-broker-proto-lib", " (e.g. /opt/nvidia/deepstream/deepstream/lib/libnvds_kafka_proto.so)")
			}
		}
	}
	if mc := v.a.MessageConverter; mc != nil {
		checkRules(v, &mc.Group, &mc.MsgConv, msgConvKeys, msgConvRules)
	}
}

// others checks the remaining groups.
func (v *appValidator) others() {
	a := v.a
	for i := range a.MessageConsumers {
		m := &a.MessageConsumers[i]
		if !m.Enable {
			continue
		}
		if m.ProtoLib == "" {
			v.need(&m.Group, "proto-lib", " (e.g. /opt/nvidia/deepstream/deepstream/lib/libnvds_kafka_proto.so)")
		}
		if m.ConnStr == "" && m.ConfigFile == "" {
			v.need(&m.Group, "conn-str", " (host;port) or a config-file with the connection")
		}
		if len(m.SubscribeTopicList) == 0 {
			v.need(&m.Group, "subscribe-topic-list", " (at least one topic)")
		}
	}
	im := &a.ImgSave
	checkRules(v, &im.Group, im, imgSaveKeys, imgSaveRules)
	if im.Enable {
		if im.OutputFolderPath == "" {
			v.need(&im.Group, "output-folder-path", "")
		}
		if im.MinConfidence > im.MaxConfidence {
			v.fail(&im.Group, "min-confidence", "must be <= max-confidence ("+strconv.FormatFloat(im.MaxConfidence, 'g', -1, 64)+")")
		}
	}
	checkRules(v, &a.DSExample.Group, &a.DSExample, dsExampleKeys, dsExampleRules)
	for _, c := range []struct {
		grp    *Group
		enable bool
		file   string
		what   string
	}{
		{&a.Analytics.Group, a.Analytics.Enable, a.Analytics.ConfigFile, "nvdsanalytics"},
		{&a.Dewarper.Group, a.Dewarper.Enable, a.Dewarper.ConfigFile, "nvdewarper"},
	} {
		if c.enable && c.file == "" {
			v.need(c.grp, "config-file", " (the "+c.what+" configuration)")
		}
	}
}

// element returns the element name of a plugin type.
func (t GIEPluginType) element() string {
	if t == PluginNvinferserver {
		return "nvinferserver"
	}
	return "nvinfer"
}
