package streammux

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// Demux is the nvstreamdemux element: it splits batches back into one
// stream per source. Request pad src_N gets source N's frames, each a
// buffer viewing the batch's memory (no copy) with a BatchMeta holding that
// frame alone; a source's stream-eos becomes EOS on its pad.
type Demux struct {
	pipeline.ElementBase
	sink *pipeline.Pad

	mu   sync.Mutex
	srcs map[int]*pipeline.Pad
	info video.Info
	bufs *pipeline.BufferPool
}

var demuxClass = &pipeline.ElementClass{
	Factory:     "nvstreamdemux",
	Klass:       "Generic",
	Description: "Split batched frames back into one stream per source",
	Templates: []*pipeline.PadTemplate{
		pipeline.NewPadTemplate("sink", pipeline.PadSink, pipeline.PadAlways, "video/x-raw"),
		pipeline.NewPadTemplate("src_%u", pipeline.PadSrc, pipeline.PadRequest, "video/x-raw"),
	},
}

func init() { pipeline.Register(demuxClass, func() pipeline.Element { return NewDemux() }) }

// NewDemux returns an nvstreamdemux.
func NewDemux() *Demux {
	bufs, _ := pipeline.NewBufferPool(0, 0, 0) // memoryless buffers, unbounded
	d := &Demux{srcs: map[int]*pipeline.Pad{}, bufs: bufs}
	d.Init(d, demuxClass)
	d.sink = d.SinkPad()
	d.sink.SetChainFunc(d.chain)
	d.sink.SetEventFunc(d.event)
	return d
}

// RequestNewPad adds src_N for source N.
func (d *Demux) RequestNewPad(tmpl *pipeline.PadTemplate, name string) (*pipeline.Pad, error) {
	id, err := strconv.Atoi(strings.TrimPrefix(name, "src_"))
	if err != nil || id < 0 {
		return nil, fmt.Errorf("pad name %q: want src_<source id>", name)
	}
	p := pipeline.NewPad(name, tmpl)
	if err := d.AddPad(p); err != nil {
		return nil, err
	}
	d.mu.Lock()
	d.srcs[id] = p
	d.mu.Unlock()
	return p, nil
}

// ReleasePad removes a source's pad.
func (d *Demux) ReleasePad(p *pipeline.Pad) {
	d.mu.Lock()
	for id, q := range d.srcs {
		if q == p {
			delete(d.srcs, id)
		}
	}
	d.mu.Unlock()
	d.RemovePad(p)
}

func (d *Demux) pad(id int) *pipeline.Pad {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.srcs[id]
}

func (d *Demux) event(p *pipeline.Pad, ev *pipeline.Event) bool {
	if ev.Type == pipeline.EventCaps {
		info, err := video.InfoFromCaps(ev.Caps)
		if err != nil {
			d.PostError(err, "")
			return false
		}
		d.mu.Lock()
		d.info = info
		d.mu.Unlock()
	}
	if kind, id, ok := meta.ParseSourceEvent(ev); ok {
		if kind == meta.EventStreamEOS {
			if src := d.pad(id); src != nil {
				src.PushEvent(pipeline.NewEOSEvent())
			}
		}
		return true
	}
	return pipeline.DefaultEvent(p, ev)
}

func (d *Demux) chain(_ *pipeline.Pad, buf *pipeline.Buffer) pipeline.FlowReturn {
	defer buf.Unref()
	batch := meta.GetBatchMeta(buf)
	if batch == nil {
		d.PostError(fmt.Errorf("buffer without batch metadata (put nvstreammux upstream)"), "")
		return pipeline.FlowError
	}
	ret := pipeline.FlowOK
	for _, f := range batch.Frames {
		src := d.pad(f.SourceID)
		if src == nil || !src.IsLinked() || f.BatchID >= buf.NumMemory() {
			continue
		}
		out, err := d.bufs.Acquire(context.Background())
		if err != nil {
			return pipeline.FlowFlushing
		}
		out.PTS, out.DTS, out.Duration = f.BufPTS, pipeline.NoTime, buf.Duration
		out.Offset = uint64(f.FrameNum)
		out.AppendMemory(buf.ShareMemory(f.BatchID))
		fb := batch.CopyFrame(f)
		fb.Frames[0].BatchID = 0 // the per-source buffer holds this frame alone, in memory 0
		out.AddMeta(fb)
		if r := src.Push(out); r != pipeline.FlowOK && r != pipeline.FlowEOS && r != pipeline.FlowNotLinked {
			ret = r
		}
	}
	return ret
}
