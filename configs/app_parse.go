package configs

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// appParser fills an App, collecting errors and warnings.
type appParser struct {
	parser
	app *App
	// listMode is set when [source-list] made the sources.
	listMode bool
}

// parseApp implements ParseApp.
func parseApp(name string, r io.Reader, dir string) (*App, []Warning, error) {
	kf, err := readKeyFile(name, r)
	if err != nil {
		return nil, nil, err
	}
	if dir == "" {
		dir = filepath.Dir(name)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	a := defaultApp(name, dir)
	p := &appParser{parser: parser{file: name, dir: dir}, app: a}
	p.sourceList(kf)
	for _, g := range kf.groups {
		p.group(g)
	}
	p.checkWarnings()
	if err := p.finish(a.ValidateSyntax()); err != nil {
		return nil, p.warns, err
	}
	return a, p.warns, nil
}

// defaultApp returns deepstream-app's defaults.
func defaultApp(name, dir string) *App {
	a := &App{File: name, Dir: dir}
	a.Application.PerfMeasurementIntervalSec = 5
	a.Application.GlobalGPUID = -1
	a.Streammux = Streammux{BatchedPushTimeout: -1, AttachSysTSAsNTP: true, FrameDuration: -1, AsyncProcess: true}
	a.Tracker = Tracker{EnableBatchProcess: true, DisplayTrackingID: true}
	a.OSD = OSD{DisplayText: true, DisplayBBox: true}
	a.ImgSave = ImgSave{SaveImgFullFrame: true, SecondToSkipInterval: 600, MaxConfidence: 1, MinBoxWidth: 1, MinBoxHeight: 1}
	for _, g := range []*Group{&a.Application.Group, &a.Tests.Group, &a.TiledDisplay.Group,
		&a.Streammux.Group, &a.Tracker.Group, &a.Analytics.Group, &a.DSExample.Group,
		&a.Dewarper.Group, &a.OSD.Group, &a.ImgSave.Group} {
		g.File = name
	}
	return a
}

func defaultSource(name string, index int) Source {
	return Source{Group: Group{File: name}, Index: index, CameraID: max(index, 0), NumSources: 1,
		Latency: 100, NumDecodeSurfaces: 16, NumExtraSurfaces: 1, RTSPReconnectAttempts: -1}
}

func defaultGIE(index int) GIE {
	return GIE{Index: index, OperateOnGIEID: -1, BBoxBorderColor: Color{1, 0, 0, 1}}
}

func defaultSink(index int) Sink {
	return Sink{Index: index, RTSPPort: 8554, UDPPort: 5000, ColorRange: -1, SetMode: -1,
		MsgConv: MsgConv{MsgConvFrameInterval: 30}}
}

// group parses one group of the file into the App.
func (p *appParser) group(g *group) {
	a := p.app
	switch name := g.name; {
	case name == "application":
		fill(p, g, &a.Application.Group, &a.Application, applicationKeys, nil)
	case name == "tests":
		fill(p, g, &a.Tests.Group, &a.Tests, testsKeys, nil)
	case name == "tiled-display":
		fill(p, g, &a.TiledDisplay.Group, &a.TiledDisplay, tiledDisplayKeys, nil)
	case name == "streammux":
		fill(p, g, &a.Streammux.Group, &a.Streammux, streammuxKeys, nil)
	case name == "tracker":
		fill(p, g, &a.Tracker.Group, &a.Tracker, trackerKeys, nil)
	case name == "nvds-analytics":
		fill(p, g, &a.Analytics.Group, &a.Analytics, analyticsKeys, nil)
	case name == "ds-example":
		fill(p, g, &a.DSExample.Group, &a.DSExample, dsExampleKeys, nil)
	case name == "dewarper":
		fill(p, g, &a.Dewarper.Group, &a.Dewarper, dewarperKeys, nil)
	case name == "osd":
		fill(p, g, &a.OSD.Group, &a.OSD, osdKeys, nil)
	case name == "img-save":
		fill(p, g, &a.ImgSave.Group, &a.ImgSave, imgSaveKeys, nil)
	case name == "source-list" || name == "source-attr-all":
		// parsed first, by sourceList
	case name == "pre-process":
		pp := &PreProcess{Index: -1, OperateOnGIEID: -1}
		fill(p, g, &pp.Group, pp, preProcessKeys, nil)
		a.PreProcess = pp
	case name == "primary-gie":
		gie := defaultGIE(-1)
		p.enabledOnly(g, func() { p.gie(g, &gie) }, &gie.Enable)
		a.PrimaryGIE = &gie
	case name == "message-converter":
		mc := &MessageConverter{MsgConv: MsgConv{MsgConvFrameInterval: 30}}
		fill(p, g, &mc.Group, mc, messageConverterKeys, func(e entry) bool { return p.msgConv(e, &mc.MsgConv) })
		a.MessageConverter = mc
	case strings.HasPrefix(name, "source"):
		p.source(g)
	case strings.HasPrefix(name, "secondary-gie"):
		gie := defaultGIE(p.index(g, "secondary-gie"))
		p.enabledOnly(g, func() { p.gie(g, &gie) }, &gie.Enable)
		a.SecondaryGIEs = append(a.SecondaryGIEs, gie)
	case strings.HasPrefix(name, "secondary-pre-process"):
		pp := PreProcess{Index: p.index(g, "secondary-pre-process"), OperateOnGIEID: -1}
		fill(p, g, &pp.Group, &pp, preProcessKeys, nil)
		a.SecondaryPreProcesses = append(a.SecondaryPreProcesses, pp)
	case strings.HasPrefix(name, "sink"):
		s := defaultSink(p.index(g, "sink"))
		p.enabledOnly(g, func() {
			fill(p, g, &s.Group, &s, sinkKeys, func(e entry) bool { return p.msgConv(e, &s.MsgConv) })
		}, &s.Enable)
		a.Sinks = append(a.Sinks, s)
	case strings.HasPrefix(name, "message-consumer"):
		mc := MessageConsumer{Index: p.index(g, "message-consumer")}
		fill(p, g, &mc.Group, &mc, messageConsumerKeys, nil)
		a.MessageConsumers = append(a.MessageConsumers, mc)
	default:
		p.warns = append(p.warns, Warning{File: p.file, Line: g.line, Key: "[" + name + "]",
			Msg: "unknown group ignored (deepstream-app ignores it too)"})
	}
}

// index returns N of a group named prefix<N>, or -1 (with a warning)
// when the rest of the name is not a number: deepstream-app matches
// these groups by prefix only.
func (p *appParser) index(g *group, prefix string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(g.name, prefix))
	if err != nil || n < 0 {
		p.warns = append(p.warns, Warning{File: p.file, Line: g.line, Key: "[" + g.name + "]",
			Msg: fmt.Sprintf("group name is not [%s<N>]; parsed as [%s] anyway, as deepstream-app does", prefix, prefix)})
		return -1
	}
	return n
}

// enabledOnly runs parse and, when the group turns out disabled,
// downgrades the errors parse found to warnings: deepstream-app skips
// sources, sinks and GIEs without enable=1 before reading their keys.
func (p *appParser) enabledOnly(g *group, parse func(), enable *bool) {
	start := len(p.errs)
	parse()
	if *enable {
		return
	}
	kept := p.errs[:start]
	for _, e := range p.errs[start:] {
		if e.Key == "enable" {
			kept = append(kept, e) // a bad enable is an error all the same
			continue
		}
		p.warns = append(p.warns, Warning{File: e.File, Line: e.Line, Key: e.Key,
			Msg: fmt.Sprintf("%s (ignored: [%s] is not enabled)", e.Msg, g.name)})
	}
	p.errs = kept
}

// fill parses group g into dst with the key table keys; special, when
// not nil, handles keys the table lacks and reports whether it did.
func fill[T any](p *appParser, g *group, grp *Group, dst *T, keys map[string]appKey[T], special func(e entry) bool) {
	grp.File, grp.Name, grp.Line = p.file, g.name, g.line
	if grp.pos == nil {
		grp.pos = make(map[string]entry, len(g.keys))
	}
	for _, e := range g.keys {
		grp.pos[e.key] = e
		if special != nil && special(e) {
			continue
		}
		key, ok := keys[e.key]
		if !ok {
			p.warn(e, strings.Replace(unknownKey(e.key, keys), "unknown key", "unknown key in ["+g.name+"]", 1))
			continue
		}
		if key.get != nil {
			p.setApp(e, key.get(dst), key.kind)
		}
	}
}

// msgConv parses e into m when it is a converter key.
func (p *appParser) msgConv(e entry, m *MsgConv) bool {
	key, ok := msgConvKeys[e.key]
	if ok {
		p.setApp(e, key.get(m), key.kind)
	}
	return ok
}

// setApp parses e.value into the field dst points to: the types of
// parser.set plus colours, unsigned integers and URIs.
func (p *appParser) setApp(e entry, dst any, kind keyKind) {
	switch d := dst.(type) {
	case *Color:
		if c, ok := p.color(e); ok {
			*d = c
		}
	case **Color:
		if c, ok := p.color(e); ok {
			*d = &c
		}
	case *uint64:
		n, err := strconv.ParseUint(e.value, 10, 64)
		if err != nil {
			p.bad(e, "must be a non-negative integer")
			return
		}
		*d = n
	case *int:
		n, err := strconv.ParseInt(e.value, 10, 32)
		if err != nil {
			p.bad(e, "must be an integer")
			return
		}
		*d = int(n)
	case *string:
		switch kind {
		case kindURI:
			*d = p.uri(e.value)
		case kindPath:
			*d = p.path(e.value)
		default:
			*d = e.value
		}
	default:
		p.set(e, dst, false)
	}
}

// path resolves a relative path against the config file's directory.
func (p *appParser) path(v string) string {
	if v == "" || filepath.IsAbs(v) {
		return v
	}
	return filepath.Join(p.dir, v)
}

// uri makes a file:// URI's relative path absolute against the config
// file's directory; other URIs are kept as written.
func (p *appParser) uri(v string) string {
	rest, ok := strings.CutPrefix(v, "file://")
	if !ok || rest == "" || strings.HasPrefix(rest, "/") {
		return v
	}
	return "file://" + p.path(rest)
}

// color parses "r;g;b;a", each 0..1.
func (p *appParser) color(e entry) (Color, bool) {
	items := splitList(e.value)
	const allowed = "must be 4 numbers r;g;b;a, each 0-1"
	if len(items) != 4 {
		p.bad(e, allowed)
		return Color{}, false
	}
	var v [4]float64
	for i, s := range items {
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(x) || x < 0 || x > 1 {
			p.bad(e, allowed)
			return Color{}, false
		}
		v[i] = x
	}
	return Color{v[0], v[1], v[2], v[3]}, true
}

// gie parses a GIE group, with its per-class bbox colour keys.
func (p *appParser) gie(g *group, gie *GIE) {
	fill(p, g, &gie.Group, gie, gieKeys, func(e entry) bool {
		for _, prefix := range []string{"bbox-border-color", "bbox-bg-color"} {
			rest, ok := strings.CutPrefix(e.key, prefix)
			if !ok {
				continue
			}
			c, ok := p.color(e)
			switch id, err := strconv.Atoi(rest); {
			case rest == "" && prefix == "bbox-border-color":
				if ok {
					gie.BBoxBorderColor = c
				}
			case rest == "":
				if ok {
					gie.BBoxBgColor = &c
				}
			case err != nil || id < 0:
				p.warn(e, fmt.Sprintf("unknown key ignored; per-class colours are %s<class-id>", prefix))
			case ok && prefix == "bbox-border-color":
				if gie.BBoxBorderColors == nil {
					gie.BBoxBorderColors = map[int]Color{}
				}
				gie.BBoxBorderColors[id] = c
			case ok:
				if gie.BBoxBgColors == nil {
					gie.BBoxBgColors = map[int]Color{}
				}
				gie.BBoxBgColors[id] = c
			}
			return true
		}
		return false
	})
}

// source parses a [sourceN] group. With [source-list], it changes the
// list's source N; otherwise it adds a source.
func (p *appParser) source(g *group) {
	a := p.app
	n, err := strconv.Atoi(strings.TrimPrefix(g.name, "source"))
	if err != nil || n < 0 {
		p.errs = append(p.errs, &Error{File: p.file, Line: g.line,
			Msg: fmt.Sprintf("[%s]: source groups must be named [source<N>], N a non-negative integer", g.name)})
		return
	}
	if p.listMode {
		if n >= len(a.Sources) {
			p.errs = append(p.errs, &Error{File: p.file, Line: g.line,
				Msg: fmt.Sprintf("[%s]: with [source-list] of %d sources, N must be 0-%d", g.name, len(a.Sources), len(a.Sources)-1)})
			return
		}
		if !groupEnabled(g) {
			p.warns = append(p.warns, Warning{File: p.file, Line: g.line, Key: "[" + g.name + "]",
				Msg: "no enable=1: group ignored, as deepstream-app does"})
			return
		}
		s := a.Sources[n]
		s.Group = Group{}
		fill(p, g, &s.Group, &s, sourceKeys, nil)
		if s.Type == SourceMultiURI {
			p.errs = append(p.errs, &Error{File: p.file, Line: s.KeyLine("type"), Key: "type", Value: "3",
				Msg: "type=3 (multi-URI) is not allowed with [source-list]"})
		}
		a.Sources[n] = s
		return
	}
	for _, o := range a.Sources {
		if o.Index == n {
			p.errs = append(p.errs, &Error{File: p.file, Line: g.line,
				Msg: fmt.Sprintf("[%s]: another source group ([%s], line %d) has the same number", g.name, o.Name, o.Line)})
			return
		}
	}
	s := defaultSource(p.file, n)
	p.enabledOnly(g, func() { fill(p, g, &s.Group, &s, sourceKeys, nil) }, &s.Enable)
	a.Sources = append(a.Sources, s)
}

// sourceList parses [source-list] and [source-attr-all] and makes one
// source per entry of the list, as deepstream-app's set_source_all_configs.
func (p *appParser) sourceList(kf *keyFile) {
	a := p.app
	if g := kf.lookup("source-attr-all"); g != nil {
		s := defaultSource(p.file, -1)
		s.Enable = true
		fill(p, g, &s.Group, &s, sourceKeys, nil)
		a.SourceAttrAll = &s
	}
	g := kf.lookup("source-list")
	if g == nil {
		return
	}
	sl := &SourceList{}
	fill(p, g, &sl.Group, sl, sourceListKeys, nil)
	a.SourceList = sl
	if a.SourceAttrAll == nil {
		p.errs = append(p.errs, &Error{File: p.file, Line: g.line,
			Msg: "[source-list] needs a [source-attr-all] group with the settings of its sources"})
		return
	}
	total := len(sl.List)
	if sl.Has("num-source-bins") {
		if sl.Has("list") && sl.NumSourceBins != total {
			e := sl.pos["num-source-bins"]
			p.bad(e, fmt.Sprintf("must equal the number of URIs in list (%d)", total))
			return
		}
		total = sl.NumSourceBins
	}
	if total < 0 || total > maxSources {
		e, ok := sl.pos["num-source-bins"]
		if !ok {
			e = sl.pos["list"]
		}
		p.bad(e, fmt.Sprintf("must be 0-%d sources", maxSources))
		return
	}
	p.listMode = true
	for i := range total {
		s := *a.SourceAttrAll
		s.Index, s.CameraID = i, i
		if i < len(sl.List) {
			p.listURI(&s, sl.List[i], sl.pos["list"])
		}
		a.Sources = append(a.Sources, s)
	}
}

// groupEnabled reports whether g sets enable to a non-zero integer (or
// true), the test deepstream-app makes before it reads a source, sink or
// GIE group.
func groupEnabled(g *group) bool {
	for _, e := range g.keys {
		if e.key == "enable" {
			n, err := strconv.Atoi(e.value)
			return err == nil && n != 0 || strings.EqualFold(e.value, "true")
		}
	}
	return false
}

// maxSources bounds [source-list] and num-sources so that a corrupt file cannot
// make the parser allocate without limit (deepstream-app allows 1024).
const maxSources = 1024

// listURI sets s from one entry of [source-list] list: file:// and
// rtsp:// URIs, csi:<sensor-id> and usb:<dev-node> cameras.
func (p *appParser) listURI(s *Source, uri string, e entry) {
	switch {
	case strings.HasPrefix(uri, "file://"):
		s.Type, s.URI = SourceURI, p.uri(uri)
	case strings.HasPrefix(uri, "rtsp://"):
		s.Type, s.URI = SourceRTSP, uri
	case strings.HasPrefix(uri, "csi:") || strings.HasPrefix(uri, "usb:"):
		n, err := strconv.Atoi(uri[4:])
		if err != nil || n < 0 {
			p.bad(e, fmt.Sprintf("%q: a camera must be csi:<sensor-id> or usb:<dev-node>", uri))
			return
		}
		if uri[0] == 'c' {
			s.Type, s.CameraCSISensorID = SourceCameraCSI, n
		} else {
			s.Type, s.CameraV4L2DevNode = SourceCameraV4L2, n
		}
	default:
		p.bad(e, fmt.Sprintf("%q: each entry must be a file:// or rtsp:// URI, csi:<N> or usb:<N>", uri))
	}
}

// checkWarnings adds warnings about settings that parse but that
// deepstream-app ignores.
func (p *appParser) checkWarnings() {
	for i := range p.app.Sources {
		s := &p.app.Sources[i]
		if s.Line > 0 && !s.Has("enable") && !p.listMode {
			p.warns = append(p.warns, Warning{File: p.file, Line: s.Line, Key: "[" + s.Name + "]",
				Msg: "no enable=1: source ignored, as deepstream-app does"})
		}
		if s.Enable && s.SmartRecord != 0 && s.Type != SourceRTSP {
			p.warns = append(p.warns, Warning{File: p.file, Line: s.KeyLine("smart-record"), Key: "smart-record",
				Msg: fmt.Sprintf("smart record works only for type=4 (RTSP) sources; ignored for type=%d", s.Type)})
		}
	}
	for i := range p.app.Sinks {
		s := &p.app.Sinks[i]
		if !s.Has("enable") {
			p.warns = append(p.warns, Warning{File: p.file, Line: s.Line, Key: "[" + s.Name + "]",
				Msg: "no enable=1: sink ignored, as deepstream-app does"})
		}
	}
}
