package app

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/configs"
	"github.com/dsgo/dsgo/pipeline"
)

// BuildOptions are the command line's changes to a config.
type BuildOptions struct {
	// InputURIs replace the URIs of the enabled sources in order (-i): the
	// k-th replaces the k-th enabled [sourceN] (all num-sources copies of
	// a type=3 source). A path without a scheme becomes a file:// URI.
	InputURIs []string
	// NoDisplay replaces display sinks (type 2, 5, 7) with fakesinks.
	NoDisplay bool
	// TiledText draws object labels even in a tiled multi-source display
	// (-t), which deepstream-app leaves out by default.
	TiledText bool
}

// Plan is the pipeline a config describes, before any element exists: one
// launch line per branch (sources, the batched analytics chain, each
// sink's branch) and where the application's probes go.
type Plan struct {
	// Config is the configuration the plan was built from.
	Config *configs.App
	// Branches are the launch lines, in the order of the pipeline.
	Branches []string
	// Warnings are the parts of the config dsgo ignores or replaces.
	Warnings []string
	// NumSources is the number of sources (streammux pads 0..N-1).
	NumSources int
	// AnalyticsDone is the element after whose src pad all inference is
	// done: the PERF meter and the label/colour pass sit there (the
	// tiler's or demuxer's sink pad in deepstream-app).
	AnalyticsDone string
	// PrimaryGIE is the primary detector's element name, "" for none;
	// KITTI detections are written from its src pad.
	PrimaryGIE string
	// ShowText is deepstream-app's show_bbox_text: object labels are
	// drawn (single source, no tiler, or -t).
	ShowText bool
}

// Element names the plan gives, as they appear in error messages.
const (
	nameMux     = "streammux"
	namePrimary = "primary_gie"
	nameTiler   = "tiler"
	nameDemux   = "demux"
	nameSinkTee = "sink_tee"
)

// Description returns the whole pipeline as one launch description.
func (p *Plan) Description() string { return strings.Join(p.Branches, "  ") }

// String returns the launch lines, one per branch.
func (p *Plan) String() string { return strings.Join(p.Branches, "\n") + "\n" }

// Build turns a deepstream-app config into a Plan: sources → streammux →
// primary GIE → (tracker) → secondary GIEs → tiler or demuxer → OSD →
// sinks. It reads no file: models, videos and GIE configs are opened when
// the pipeline starts. Errors name the config's file, line and key.
func Build(cfg *configs.App, opts BuildOptions) (*Plan, error) {
	if cfg == nil {
		return nil, errors.New("no config")
	}
	b := &builder{cfg: cfg, opts: opts, plan: &Plan{Config: cfg}}
	if err := b.build(); err != nil {
		return nil, err
	}
	return b.plan, nil
}

// builder holds the state of one Build.
type builder struct {
	cfg  *configs.App
	opts BuildOptions
	plan *Plan
	errs []error
}

func (b *builder) warn(format string, args ...any) {
	b.plan.Warnings = append(b.plan.Warnings, fmt.Sprintf(format, args...))
}

// warnAt warns about a key of a group, naming file and line.
func (b *builder) warnAt(g *configs.Group, key, msg string) {
	b.plan.Warnings = append(b.plan.Warnings, fmt.Sprintf("%s:%d: [%s] %s: %s", g.File, g.KeyLine(key), g.Name, key, msg))
}

func (b *builder) fail(err error) { b.errs = append(b.errs, err) }

func (b *builder) build() error {
	b.unsupportedGroups()
	b.sources()
	chain := []string{b.streammux()}
	last := nameMux
	if g := b.cfg.PrimaryGIE; g != nil && g.Enable {
		chain = append(chain, "queue", b.gie(g, namePrimary, false))
		last, b.plan.PrimaryGIE = namePrimary, namePrimary
	}
	if t := b.cfg.Tracker; t.Enable {
		b.warnAt(&t.Group, "enable", "tracker not yet available; objects carry no track ids")
	}
	for i := range b.cfg.SecondaryGIEs {
		g := &b.cfg.SecondaryGIEs[i]
		if !g.Enable {
			continue
		}
		name := "secondary_gie_" + strconv.Itoa(g.Index)
		chain = append(chain, "queue", b.gie(g, name, true))
		last = name
	}
	b.plan.AnalyticsDone = last
	b.outputs(chain)
	b.kitti()
	if len(b.errs) > 0 {
		return errors.Join(b.errs...)
	}
	return nil
}

// unsupportedGroups warns about enabled groups dsgo does not run yet.
func (b *builder) unsupportedGroups() {
	c := b.cfg
	type opt struct {
		g   *configs.Group
		on  bool
		msg string
	}
	list := []opt{
		{&c.Analytics.Group, c.Analytics.Enable, "nvdsanalytics not yet available; skipped"},
		{&c.DSExample.Group, c.DSExample.Enable, "dsexample not in dsgo; skipped"},
		{&c.Dewarper.Group, c.Dewarper.Enable, "dewarper not in dsgo; skipped"},
		{&c.ImgSave.Group, c.ImgSave.Enable, "img-save not in dsgo yet; skipped"},
	}
	if c.PreProcess != nil {
		list = append(list, opt{&c.PreProcess.Group, c.PreProcess.Enable, "nvdspreprocess not in dsgo yet; skipped"})
	}
	for i := range c.SecondaryPreProcesses {
		p := &c.SecondaryPreProcesses[i]
		list = append(list, opt{&p.Group, p.Enable, "nvdspreprocess not in dsgo yet; skipped"})
	}
	for i := range c.MessageConsumers {
		m := &c.MessageConsumers[i]
		list = append(list, opt{&m.Group, m.Enable, "message consumers not in dsgo yet; skipped"})
	}
	if c.MessageConverter != nil {
		list = append(list, opt{&c.MessageConverter.Group, c.MessageConverter.Enable, "msgconv not in dsgo yet; skipped"})
	}
	for _, o := range list {
		if o.on {
			b.warnAt(o.g, "enable", o.msg)
		}
	}
}

// sources adds one branch per source, linked to streammux.sink_N, in
// deepstream-app's source id order (configs.App.Inputs: a type=3 source's
// extra copies come after all other sources).
func (b *builder) sources() {
	c := *b.cfg // -i changes a copy of the source list
	c.Sources = slices.Clone(b.cfg.Sources)
	k := 0 // enabled [sourceN] groups so far, for -i
	for i := range c.Sources {
		s := &c.Sources[i]
		if !s.Enable {
			continue
		}
		if k < len(b.opts.InputURIs) {
			s.URI = inputURI(b.opts.InputURIs[k])
			if s.Type != configs.SourceMultiURI && s.Type != configs.SourceRTSP {
				s.Type = configs.SourceURI
			}
		}
		k++
	}
	if k < len(b.opts.InputURIs) {
		b.fail(fmt.Errorf("-i given %d times, but the config has %d enabled sources", len(b.opts.InputURIs), k))
	}
	for _, s := range c.Inputs() {
		id := b.plan.NumSources
		name := "source" + strconv.Itoa(id)
		var desc string
		switch s.Type {
		case configs.SourceCameraV4L2:
			desc = b.camera(&s, name)
		case configs.SourceURI, configs.SourceMultiURI, configs.SourceRTSP:
			desc = b.uriSource(&s, name)
		case configs.SourceCameraCSI:
			b.fail(s.Err("type", "CSI cameras (type=5) are Jetson-only; use type=1 (V4L2) or a URI"))
			return
		default:
			b.fail(s.Err("type", fmt.Sprintf("source type %d is not supported by dsgo (video sources are 1-4)", s.Type)))
			return
		}
		b.plan.Branches = append(b.plan.Branches, fmt.Sprintf("%s ! %s.sink_%d", desc, nameMux, id))
		b.plan.NumSources++
		for _, key := range []string{"drop-frame-interval", "dec-skip-frames", "intra-decode-enable", "smart-record"} {
			if s.Has(key) && id == b.firstOf(s.Index) {
				b.warnAt(&s.Group, key, "not supported by dsgo's decoder; ignored")
			}
		}
	}
	if b.plan.NumSources == 0 {
		b.fail(fmt.Errorf("%s: no enabled [sourceN] group", b.cfg.File))
	}
}

// firstOf returns the source id of the first stream of group [sourceN],
// so that a group's warnings are given once.
func (b *builder) firstOf(index int) int {
	for id, s := range b.cfg.Inputs() {
		if s.Index == index {
			return id
		}
	}
	return -1
}

// inputURI makes -i's argument a URI: paths become absolute file:// URIs.
func inputURI(s string) string {
	if strings.Contains(s, "://") {
		return s
	}
	if abs, err := filepath.Abs(s); err == nil {
		s = abs
	}
	return "file://" + s
}

func (b *builder) uriSource(s *configs.Source, name string) string {
	uri, typ := s.URI, s.Type
	e := newElem("uridecodebin", name).set("uri", uri)
	if uri == "" {
		b.fail(s.Err("uri", "a URI source needs uri"))
	}
	if b.cfg.Tests.FileLoop || s.FileLoop {
		e.set("file-loop", "true")
	}
	if typ == configs.SourceRTSP || strings.HasPrefix(strings.ToLower(uri), "rtsp") {
		e.set("latency", strconv.Itoa(s.Latency))
		e.set("select-rtp-protocol", strconv.Itoa(s.SelectRTPProtocol))
		if s.RTSPReconnectIntervalSec > 0 {
			e.set("rtsp-reconnect-interval-sec", strconv.Itoa(s.RTSPReconnectIntervalSec))
		}
	}
	return e.String()
}

// camera reads a V4L2 device with GStreamer's v4l2src (a foreign run).
func (b *builder) camera(s *configs.Source, name string) string {
	e := newElem("v4l2src", name).set("device", "/dev/video"+strconv.Itoa(s.CameraV4L2DevNode))
	caps := "video/x-raw"
	if s.CameraWidth > 0 && s.CameraHeight > 0 {
		caps += fmt.Sprintf(",width=%d,height=%d", s.CameraWidth, s.CameraHeight)
	}
	if s.CameraFPSN > 0 && s.CameraFPSD > 0 {
		caps += fmt.Sprintf(",framerate=%d/%d", s.CameraFPSN, s.CameraFPSD)
	}
	return e.String() + " ! " + caps + " ! videoconvert ! video/x-raw,format=NV12"
}

// live reports whether any source is live (camera or RTSP), which makes
// streammux push incomplete batches, as deepstream-app does.
func (b *builder) live() bool {
	if b.cfg.Streammux.LiveSource {
		return true
	}
	for _, s := range b.cfg.Sources {
		if s.Enable && (s.Type == configs.SourceCameraV4L2 || s.Type == configs.SourceRTSP || strings.HasPrefix(strings.ToLower(s.URI), "rtsp")) {
			return true
		}
	}
	return false
}

func (b *builder) streammux() string {
	m := &b.cfg.Streammux
	e := newElem("nvstreammux", nameMux)
	batch := m.BatchSize
	if batch <= 0 {
		batch = max(b.plan.NumSources, 1)
	}
	e.set("batch-size", strconv.Itoa(batch))
	if m.Width <= 0 || m.Height <= 0 {
		b.fail(m.Err("width", fmt.Sprintf("streammux needs width and height, got %dx%d", m.Width, m.Height)))
	}
	e.set("width", strconv.Itoa(m.Width)).set("height", strconv.Itoa(m.Height))
	timeout := m.BatchedPushTimeout
	if b.live() {
		e.set("live-source", "true")
		if !m.Has("batched-push-timeout") || timeout < 0 {
			timeout = 40000 // deepstream-app's samples: 40 ms for live sources
		}
	}
	if m.Has("batched-push-timeout") || b.live() {
		e.set("batched-push-timeout", strconv.Itoa(timeout))
	}
	if m.EnablePadding {
		e.set("enable-padding", "true")
	}
	if m.Has("gpu-id") {
		e.set("gpu-id", strconv.Itoa(m.GPUID))
	}
	if m.Has("buffer-pool-size") && m.BufferPoolSize > 0 {
		e.set("buffer-pool-size", strconv.Itoa(m.BufferPoolSize))
	}
	if m.Has("attach-sys-ts-as-ntp") {
		e.set("attach-sys-ts", strconv.FormatBool(m.AttachSysTSAsNTP))
	}
	if m.Has("interpolation-method") {
		interp := "bilinear"
		if m.InterpolationMethod == 0 { // NvBufSurfTransformInter_Nearest
			interp = "nearest"
		}
		e.set("interpolation-method", interp)
	}
	if m.FrameNumResetOnEOS {
		e.set("frame-num-reset-on-eos", "true")
	}
	if m.SyncInputs {
		e.set("sync-inputs", "true")
	}
	return e.String()
}

// gie returns an nvinfer element with the group's overrides of its config
// file, as deepstream-app sets them: only keys the group sets.
func (b *builder) gie(g *configs.GIE, name string, secondary bool) string {
	if g.PluginType == configs.PluginNvinferserver {
		b.fail(g.Err("plugin-type", "nvinferserver (plugin-type=1) is not in dsgo yet"))
		return name
	}
	if g.ConfigFile == "" {
		b.fail(g.Err("config-file", "a GIE needs config-file"))
	}
	e := newElem("nvinfer", name).set("config-file-path", g.ConfigFile)
	if secondary {
		e.set("process-mode", "secondary")
	} else {
		e.set("process-mode", "primary")
	}
	ints := []struct {
		key, prop string
		v         int
	}{
		{"batch-size", "batch-size", g.BatchSize},
		{"interval", "interval", g.Interval},
		{"gie-unique-id", "unique-id", g.GIEUniqueID},
		{"gpu-id", "gpu-id", g.GPUID},
	}
	for _, kv := range ints {
		if g.Has(kv.key) {
			e.set(kv.prop, strconv.Itoa(kv.v))
		}
	}
	if g.Has("model-engine-file") {
		e.set("model-engine-file", g.ModelEngineFile)
	}
	if g.Has("operate-on-gie-id") {
		b.optionalProp(e, g, "operate-on-gie-id", "infer-on-gie-id", strconv.Itoa(g.OperateOnGIEID))
	}
	if g.Has("operate-on-class-ids") {
		ids := make([]string, len(g.OperateOnClassIDs))
		for i, id := range g.OperateOnClassIDs {
			ids[i] = strconv.Itoa(id)
		}
		b.optionalProp(e, g, "operate-on-class-ids", "infer-on-class-ids", strings.Join(ids, ":"))
	}
	for _, key := range []string{"input-tensor-meta", "infer-raw-output-dir"} {
		if g.Has(key) {
			b.warnAt(&g.Group, key, "not supported by dsgo's nvinfer yet; ignored")
		}
	}
	return e.String()
}

// optionalProp sets prop when nvinfer has it, and warns otherwise (the
// key then comes from the GIE's own config file).
func (b *builder) optionalProp(e *elem, g *configs.GIE, key, prop, value string) {
	if f, ok := pipeline.DefaultRegistry().Lookup("nvinfer"); ok {
		if _, ok := f.Class.Prop(prop); ok {
			e.set(prop, value)
			return
		}
	}
	b.warnAt(&g.Group, key, "nvinfer has no "+prop+" property yet; the GIE's config-file value applies")
}

// kitti checks the KITTI output settings.
func (b *builder) kitti() {
	a := &b.cfg.Application
	if a.GIEKittiOutputDir != "" && b.plan.PrimaryGIE == "" {
		b.warnAt(&a.Group, "gie-kitti-output-dir", "no enabled [primary-gie]; nothing is written")
	}
	if a.KittiTrackOutputDir != "" {
		b.warnAt(&a.Group, "kitti-track-output-dir", "tracker not yet available; nothing is written")
	}
	for _, key := range []string{"reid-track-output-dir", "terminated-track-output-dir", "shadow-track-output-dir"} {
		if a.Has(key) {
			b.warnAt(&a.Group, key, "tracker not yet available; nothing is written")
		}
	}
}

// elem is one element of a launch line.
type elem struct {
	factory, name string
	props         [][2]string
}

func newElem(factory, name string) *elem { return &elem{factory: factory, name: name} }

func (e *elem) set(key, value string) *elem {
	e.props = append(e.props, [2]string{key, value})
	return e
}

// String writes the element in launch syntax, quoting values as needed.
func (e *elem) String() string {
	var s strings.Builder
	s.WriteString(e.factory)
	if e.name != "" {
		s.WriteString(" name=" + launchQuote(e.name))
	}
	for _, kv := range e.props {
		s.WriteString(" " + kv[0] + "=" + launchQuote(kv[1]))
	}
	return s.String()
}

// launchQuote quotes a value for the launch syntax when it has to be.
func launchQuote(v string) string {
	if v != "" && !strings.ContainsAny(v, " \t\r\n!\"'\\=,") {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
