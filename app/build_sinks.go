package app

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/configs"
)

// outputs ends the analytics chain: a tiler (tiled display), a demuxer
// with one OSD and sink set per source (tiler off and sinks that name a
// source-id), or the batch straight to the OSD and sinks.
func (b *builder) outputs(chain []string) {
	sinks := b.enabledSinks()
	td := &b.cfg.TiledDisplay
	tiled := td.Enable != configs.TiledDisplayDisable
	b.plan.ShowText = b.opts.TiledText || !tiled || b.plan.NumSources == 1
	switch {
	case tiled:
		chain = append(chain, b.tiler())
	case b.plan.NumSources > 1 && demuxed(sinks):
		b.demuxOutputs(chain, sinks)
		return
	}
	if osd := b.osd("osd"); osd != "" {
		chain = append(chain, "queue", osd)
	}
	b.sinkBranches(strings.Join(chain, " ! "), sinks, nameSinkTee)
}

// enabledSinks returns the enabled sinks, or one fakesink when there are
// none (a pipeline needs a sink to end).
func (b *builder) enabledSinks() []*configs.Sink {
	var out []*configs.Sink
	for i := range b.cfg.Sinks {
		if s := &b.cfg.Sinks[i]; s.Enable {
			out = append(out, s)
		}
	}
	if len(out) == 0 {
		b.warn("%s: no enabled [sinkN] group; frames go to a fakesink", b.cfg.File)
		out = append(out, &configs.Sink{Index: 0, Enable: true, Type: configs.SinkFake})
	}
	return out
}

// demuxed reports whether sinks choose their source (source-id or
// link-to-demux), which asks for per-source branches when the tiler is off.
func demuxed(sinks []*configs.Sink) bool {
	for _, s := range sinks {
		if s.Has("source-id") || s.LinkToDemux {
			return true
		}
	}
	return false
}

// demuxOutputs splits the batch per source: each source with sinks gets
// its own OSD and sinks; the frames of other sources are dropped.
func (b *builder) demuxOutputs(chain []string, sinks []*configs.Sink) {
	b.plan.Branches = append(b.plan.Branches, strings.Join(append(chain, "nvstreamdemux name="+nameDemux), " ! "))
	used := map[*configs.Sink]bool{}
	for id := range b.plan.NumSources {
		var mine []*configs.Sink
		for _, s := range sinks {
			if s.SourceID == id {
				mine, used[s] = append(mine, s), true
			}
		}
		if len(mine) == 0 {
			continue
		}
		head := fmt.Sprintf("%s.src_%d ! queue", nameDemux, id)
		if osd := b.osd("osd_" + strconv.Itoa(id)); osd != "" {
			head += " ! " + osd
		}
		b.sinkBranches(head, mine, nameSinkTee+"_"+strconv.Itoa(id))
	}
	for _, s := range sinks {
		if !used[s] {
			b.warnAt(&s.Group, "source-id", fmt.Sprintf("no source %d (sources are 0-%d); sink not built", s.SourceID, b.plan.NumSources-1))
		}
	}
}

// sinkBranches ends head with the sinks: directly for one, through a tee
// for several, each behind its own queue.
func (b *builder) sinkBranches(head string, sinks []*configs.Sink, tee string) {
	if len(sinks) == 1 {
		b.plan.Branches = append(b.plan.Branches, head+" ! queue ! "+b.sink(sinks[0]))
		return
	}
	b.plan.Branches = append(b.plan.Branches, head+" ! tee name="+tee)
	for _, s := range sinks {
		b.plan.Branches = append(b.plan.Branches, tee+". ! queue ! "+b.sink(s))
	}
}

func (b *builder) tiler() string {
	td := &b.cfg.TiledDisplay
	e := newElem("nvmultistreamtiler", nameTiler)
	rows, cols := td.Rows, td.Columns
	if rows <= 0 || cols <= 0 {
		b.fail(td.Err("rows", fmt.Sprintf("a tiled display needs rows and columns, got %dx%d", rows, cols)))
	}
	if rows*cols < b.plan.NumSources {
		b.warnAt(&td.Group, "rows", fmt.Sprintf("%dx%d tiles show %d of %d sources", rows, cols, rows*cols, b.plan.NumSources))
	}
	e.set("rows", strconv.Itoa(rows)).set("columns", strconv.Itoa(cols))
	e.set("width", strconv.Itoa(td.Width)).set("height", strconv.Itoa(td.Height))
	if td.Has("gpu-id") {
		e.set("gpu-id", strconv.Itoa(td.GPUID))
	}
	return e.String()
}

// osd returns the nvdsosd of [osd], or "" when it is disabled or absent
// (deepstream-app draws only with [osd] enable=1).
func (b *builder) osd(name string) string {
	o := &b.cfg.OSD
	if !o.Enable {
		return ""
	}
	e := newElem("nvdsosd", name)
	e.set("display-text", strconv.FormatBool(o.DisplayText))
	e.set("display-bbox", strconv.FormatBool(o.DisplayBBox))
	if o.DisplayMask {
		e.set("display-mask", "true")
	}
	if o.ShowClock {
		e.set("display-clock", "true")
		if o.Has("clock-text-size") && o.ClockTextSize > 0 {
			e.set("clock-font-size", strconv.Itoa(o.ClockTextSize))
		}
		if o.Has("clock-x-offset") {
			e.set("clock-x-offset", strconv.Itoa(max(o.ClockXOffset, 0)))
		}
		if o.Has("clock-y-offset") {
			e.set("clock-y-offset", strconv.Itoa(max(o.ClockYOffset, 0)))
		}
		if o.Has("clock-color") {
			e.set("clock-color", fmt.Sprintf("%#08x", rgba32(o.ClockColor)))
		}
	}
	if o.ProcessMode == 1 {
		e.set("process-mode", "GPU_MODE")
	}
	if o.Has("gpu-id") {
		e.set("gpu-id", strconv.Itoa(o.GPUID))
	}
	return e.String()
}

// rgba32 packs a colour as 0xRRGGBBAA.
func rgba32(c configs.Color) uint32 {
	ch := func(v float64) uint32 { return uint32(min(max(v, 0), 1)*255 + 0.5) }
	return ch(c.R)<<24 | ch(c.G)<<16 | ch(c.B)<<8 | ch(c.A)
}

// sink returns the launch text of one [sinkN].
func (b *builder) sink(s *configs.Sink) string {
	name := "sink" + strconv.Itoa(s.Index)
	sync := strconv.FormatBool(s.Sync)
	switch s.Type {
	case configs.SinkFake:
		return newElem("fakesink", name).set("sync", sync).set("async", "false").String()
	case configs.SinkDisplay, configs.SinkOverlay, configs.SinkDisplay3D:
		if b.opts.NoDisplay {
			b.warnAt(&s.Group, "type", fmt.Sprintf("display sink (type=%d) replaced by a fakesink (--no-display)", s.Type))
			return newElem("fakesink", name).set("sync", sync).set("async", "false").String()
		}
		return "videoconvert ! " + newElem("autovideosink", name).set("sync", sync).String()
	case configs.SinkFile:
		return b.fileSink(s, name)
	case configs.SinkRTSP:
		return b.rtspSink(s, name)
	case configs.SinkMsgBroker:
		b.fail(s.Err("type", "sink type 6 needs msgconv/msgbroker, not in dsgo yet"))
	default:
		b.fail(s.Err("type", fmt.Sprintf("sink type %d is not supported (1 fake, 2 display, 3 file, 4 RTSP)", s.Type)))
	}
	return newElem("fakesink", name).String()
}

// codec returns the encoder's codec name for codec=1/2.
func (b *builder) codec(s *configs.Sink) string {
	switch s.Codec {
	case 0, 1:
		return "h264"
	case 2:
		return "h265"
	}
	b.fail(s.Err("codec", "dsgo encodes H.264 (1) or H.265 (2)"))
	return "h264"
}

// kbps converts the sink's bitrate (bit/s) to the encoders' kbit/s.
func kbps(s *configs.Sink) int {
	if !s.Has("bitrate") || s.Bitrate <= 0 {
		return 4000 // deepstream-app's default, 4 Mbit/s
	}
	return max(s.Bitrate/1000, 1)
}

func (b *builder) fileSink(s *configs.Sink, name string) string {
	if s.OutputFile == "" {
		b.fail(s.Err("output-file", "a file sink (type=3) needs output-file"))
	}
	container := "mp4"
	switch s.Container {
	case 0, 1:
	case 2:
		container = "mkv"
	default:
		b.fail(s.Err("container", "must be 1 (MP4) or 2 (MKV)"))
	}
	e := newElem("dsencsink", name).set("location", s.OutputFile).set("codec", b.codec(s)).set("container", container)
	e.set("bitrate", strconv.Itoa(kbps(s)))
	if s.IFrameInterval > 0 {
		e.set("key-int-max", strconv.Itoa(s.IFrameInterval))
	}
	return e.set("sync", strconv.FormatBool(s.Sync)).String()
}

// rtspSink encodes with GStreamer and serves with rtspserversink at
// rtsp://<host>:<rtsp-port>/ds-test on every interface, as deepstream-app.
func (b *builder) rtspSink(s *configs.Sink, name string) string {
	codec := b.codec(s)
	enc, parse := "x264enc", "h264parse"
	if codec == "h265" {
		enc, parse = "x265enc", "h265parse"
	}
	keyInt := 30
	if s.IFrameInterval > 0 {
		keyInt = s.IFrameInterval
	}
	port := s.RTSPPort
	if port <= 0 {
		port = 8554
	}
	e := newElem("rtspserversink", name).set("port", strconv.Itoa(port)).set("address", "0.0.0.0")
	if s.Has("udp-port") {
		e.set("udp-port", strconv.Itoa(s.UDPPort))
	}
	e.set("sync", strconv.FormatBool(s.Sync))
	return fmt.Sprintf("videoconvert ! video/x-raw,format=I420 ! %s tune=zerolatency speed-preset=ultrafast bitrate=%d key-int-max=%d ! "+
		"%s config-interval=-1 ! video/x-%s,stream-format=byte-stream,alignment=au ! %s", enc, kbps(s), keyInt, parse, codec, e)
}
