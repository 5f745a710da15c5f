// Package streammux provides nvstreammux: it batches frames from N
// sources into one buffer with a BatchMeta, scaling each to the batch's
// size, as DeepStream's Gst-nvstreammux.
package streammux

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// Mux is the nvstreammux element. Each request pad sink_N takes one
// source's raw frames; every output buffer holds up to batch-size frames
// (one memory block per frame, laid out by the src caps) and a BatchMeta
// whose FrameMeta.SourceID is N and BatchID the block index.
type Mux struct {
	pipeline.AggregatorBase
	batchSize   int64
	width       int64
	height      int64
	padding     bool
	timeoutUS   int64
	live        bool
	memType     int
	gpuID       int64
	attachSysTS bool
	interp      int
	poolSize    int64
	format      string
	resetOnEOS  bool
	syncInputs  bool

	out     video.Info
	pool    *pipeline.BufferPool
	workers *video.Workers // goroutines that scale large frames, while streaming
	metas   *meta.Pool
	mu      sync.Mutex
	inputs  map[*pipeline.Pad]*input
	next    int                // round-robin start for batches smaller than the inputs
	lastPTS pipeline.ClockTime // PTS of the last batch pushed, NoTime before the first
	padList []*pipeline.Pad
}

type input struct {
	id       int
	info     video.Info
	hasCaps  bool
	frameNum int
}

var muxClass = &pipeline.ElementClass{
	Factory:     "nvstreammux",
	Klass:       "Generic",
	Description: "Batch frames from N sources into one buffer with batch metadata",
	Templates: []*pipeline.PadTemplate{
		pipeline.NewPadTemplate("sink_%u", pipeline.PadSink, pipeline.PadRequest, "video/x-raw"),
		pipeline.NewPadTemplate("src", pipeline.PadSrc, pipeline.PadAlways, "video/x-raw"),
	},
	Props: []pipeline.Prop{
		pipeline.IntProp("batch-size", "Maximum number of frames in a batch", 1, 1, 1024, func(e *Mux) *int64 { return &e.batchSize }),
		pipeline.IntProp("width", "Width of the batched frames (required)", 0, 0, 16384, func(e *Mux) *int64 { return &e.width }),
		pipeline.IntProp("height", "Height of the batched frames (required)", 0, 0, 16384, func(e *Mux) *int64 { return &e.height }),
		pipeline.BoolProp("enable-padding", "Keep the aspect ratio, padding with black", false, func(e *Mux) *bool { return &e.padding }),
		pipeline.IntProp("batched-push-timeout", "Microseconds to wait after the first frame before pushing an incomplete batch (-1 = wait for all)", -1, -1, 1<<40, func(e *Mux) *int64 { return &e.timeoutUS }),
		pipeline.BoolProp("live-source", "Sources are live: push incomplete batches after the timeout", false, func(e *Mux) *bool { return &e.live }),
		pipeline.EnumProp("nvbuf-memory-type", "Memory of the batch (host only on machines without a GPU)", 0, []string{"default", "cuda-pinned", "cuda-device", "cuda-unified"}, func(e *Mux) *int { return &e.memType }),
		pipeline.IntProp("gpu-id", "GPU to use", 0, 0, 64, func(e *Mux) *int64 { return &e.gpuID }),
		pipeline.BoolProp("attach-sys-ts", "Set FrameMeta.NTPTimestamp to the system time when the frame was batched", true, func(e *Mux) *bool { return &e.attachSysTS }),
		pipeline.EnumProp("interpolation-method", "Scaling filter", 0, []string{"bilinear", "nearest"}, func(e *Mux) *int { return &e.interp }),
		pipeline.IntProp("buffer-pool-size", "Batch buffers in the output pool", 4, 1, 1024, func(e *Mux) *int64 { return &e.poolSize }),
		pipeline.StringProp("format", "Pixel format of the batch (NV12 or RGBA)", "NV12", func(e *Mux) *string { return &e.format }, checkFormat),
		pipeline.BoolProp("frame-num-reset-on-eos", "Restart a source's frame numbers after its EOS", false, func(e *Mux) *bool { return &e.resetOnEOS }),
		pipeline.BoolProp("sync-inputs", "Synchronise inputs by timestamp (accepted; batches are formed in arrival order)", false, func(e *Mux) *bool { return &e.syncInputs }),
	},
}

func init() { pipeline.Register(muxClass, func() pipeline.Element { return New() }) }

func checkFormat(s string) error {
	f, err := video.ParseFormat(s)
	if err != nil {
		return err
	}
	if f != video.FormatNV12 && f != video.FormatRGBA {
		return fmt.Errorf("batch format must be NV12 or RGBA")
	}
	return nil
}

// New returns an nvstreammux with default properties.
func New() *Mux {
	m := &Mux{inputs: map[*pipeline.Pad]*input{}, metas: meta.NewPool()}
	m.InitAggregator(m, muxClass)
	m.Src().SetQueryFunc(m.srcQuery)
	return m
}

// RequestNewPad adds a source pad sink_N; N becomes the frames' SourceID.
func (m *Mux) RequestNewPad(tmpl *pipeline.PadTemplate, name string) (*pipeline.Pad, error) {
	id, err := strconv.Atoi(strings.TrimPrefix(name, "sink_"))
	if err != nil || id < 0 {
		return nil, fmt.Errorf("pad name %q: want sink_<source id>", name)
	}
	p, err := m.AggregatorBase.RequestNewPad(tmpl, name)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	m.inputs[p] = &input{id: id}
	m.padList = append(m.padList, p)
	m.mu.Unlock()
	if m.State() >= pipeline.StatePaused {
		m.QueueEvent(meta.NewSourceEvent(meta.EventPadAdded, id))
	}
	return p, nil
}

// ReleasePad removes a source's pad.
func (m *Mux) ReleasePad(p *pipeline.Pad) {
	m.mu.Lock()
	in := m.inputs[p]
	delete(m.inputs, p)
	for i, q := range m.padList {
		if q == p {
			m.padList = append(m.padList[:i], m.padList[i+1:]...)
			break
		}
	}
	m.mu.Unlock()
	m.AggregatorBase.ReleasePad(p)
	if in != nil && m.State() >= pipeline.StatePaused {
		m.QueueEvent(meta.NewSourceEvent(meta.EventPadDeleted, in.id))
	}
}

// Start checks the configuration and makes the output pool.
func (m *Mux) Start(context.Context) error {
	m.lastPTS = pipeline.NoTime
	if m.width <= 0 || m.height <= 0 {
		return fmt.Errorf("width and height must be set (got %dx%d)", m.width, m.height)
	}
	f, _ := video.ParseFormat(m.format)
	out, err := video.NewInfo(f, int(m.width), int(m.height))
	if err != nil {
		return err
	}
	pool, err := pipeline.NewBufferPool(out.Size*int(m.batchSize), 1, int(m.poolSize))
	if err != nil {
		return err
	}
	m.out, m.pool = out, pool
	m.workers = video.NewWorkers(0)
	m.SetSrcCaps(out.Caps())
	switch {
	case m.timeoutUS >= 0:
		m.SetTimeout(time.Duration(m.timeoutUS) * time.Microsecond)
	case m.live:
		m.SetTimeout(40 * time.Millisecond)
	default:
		m.SetTimeout(0)
	}
	m.mu.Lock()
	for _, in := range m.inputs {
		in.frameNum = 0
	}
	m.mu.Unlock()
	return nil
}

// Stop releases the pool.
func (m *Mux) Stop() error {
	m.pool.SetFlushing(true)
	m.workers.Close()
	return nil
}

// srcQuery answers caps queries with the batch format once configured.
func (m *Mux) srcQuery(p *pipeline.Pad, q *pipeline.Query) bool {
	if q.Type == pipeline.QueryCaps && m.width > 0 && m.height > 0 {
		f, _ := video.ParseFormat(m.format)
		in, err := video.NewInfo(f, int(m.width), int(m.height))
		if err == nil {
			c := in.Caps()
			if q.Filter != nil {
				c = c.Intersect(q.Filter)
			}
			q.Caps = c
			return true
		}
	}
	return pipeline.DefaultQuery(p, q)
}

// SinkPadEvent records each source's caps and turns a source's EOS into a
// stream-eos event for downstream.
func (m *Mux) SinkPadEvent(p *pipeline.Pad, ev *pipeline.Event) (bool, bool) {
	m.mu.Lock()
	in := m.inputs[p]
	m.mu.Unlock()
	if in == nil {
		return true, false
	}
	switch ev.Type {
	case pipeline.EventCaps:
		info, err := video.HostInfoFromCaps(ev.Caps)
		if err != nil {
			m.PostError(fmt.Errorf("%s: %w", p.FullName(), err), "")
			return true, false
		}
		m.mu.Lock()
		in.info, in.hasCaps = info, true
		// The batch runs at its sources' rate: take the first one known,
		// as encoders and muxers downstream need it.
		announce := m.out.FPS.Num == 0 && info.FPS.Num > 0
		if announce {
			m.out.FPS = info.FPS
		}
		out := m.out
		m.mu.Unlock()
		if announce {
			m.SetSrcCaps(out.Caps())
		}
		return true, true
	}
	return false, false
}

// PadDrained announces a source's end downstream once its last frame is
// batched, and restarts its frame numbers if so configured.
func (m *Mux) PadDrained(p *pipeline.Pad) {
	m.mu.Lock()
	in := m.inputs[p]
	if in != nil && m.resetOnEOS {
		in.frameNum = 0
	}
	m.mu.Unlock()
	if in != nil {
		m.Src().PushEvent(meta.NewSourceEvent(meta.EventStreamEOS, in.id))
	}
}

// Aggregate takes one frame from each ready source (up to batch-size,
// round-robin), scales it into the batch and pushes the batch.
func (m *Mux) Aggregate(ctx context.Context, _ bool) error {
	buf, err := m.pool.Acquire(ctx)
	if err != nil {
		return nil // stopping
	}
	m.mu.Lock()
	out := m.out
	m.mu.Unlock()
	whole := buf.Memory(0).Data
	buf.RemoveAllMemory()
	batch, err := m.metas.AcquireBatch(int(m.batchSize))
	if err != nil {
		buf.Unref()
		return err
	}
	buf.AddMeta(batch)
	m.mu.Lock()
	pads := m.padList
	start := m.next
	m.mu.Unlock()
	n := 0
	for k := 0; k < len(pads) && n < int(m.batchSize); k++ {
		p := pads[(start+k)%len(pads)]
		in := m.Pop(p)
		if in == nil {
			continue
		}
		if err := m.addFrame(buf, batch, out, whole[n*out.Size:(n+1)*out.Size], p, in, n); err != nil {
			in.Unref()
			buf.Unref()
			return err
		}
		in.Unref()
		n++
	}
	m.mu.Lock()
	if len(pads) > 0 {
		m.next = (start + 1) % len(pads)
	}
	m.mu.Unlock()
	if n == 0 {
		buf.Unref()
		return nil
	}
	// A batch pushed on batched-push-timeout may lack a slow source's
	// frame, which then comes in a later batch with an earlier PTS. Batch
	// PTS never go backwards, so muxers and encoders downstream see a
	// valid stream (each frame keeps its own PTS in FrameMeta.BufPTS).
	if m.lastPTS != pipeline.NoTime && buf.PTS != pipeline.NoTime && buf.PTS <= m.lastPTS {
		buf.PTS = m.lastPTS + time.Microsecond
	}
	if buf.PTS != pipeline.NoTime {
		m.lastPTS = buf.PTS
	}
	if r := m.Finish(buf); r != pipeline.FlowOK && r != pipeline.FlowFlushing && r != pipeline.FlowEOS {
		return fmt.Errorf("push batch: %s", r)
	}
	return nil
}

// addFrame scales one input into slot n of the batch and records its FrameMeta.
func (m *Mux) addFrame(buf *pipeline.Buffer, batch *meta.BatchMeta, out video.Info, slot []byte, p *pipeline.Pad, in *pipeline.Buffer, n int) error {
	m.mu.Lock()
	src := m.inputs[p]
	var info video.Info
	var id, num int
	ok := src != nil && src.hasCaps
	if ok {
		info, id, num = src.info, src.id, src.frameNum
		src.frameNum++
	}
	m.mu.Unlock()
	if !ok {
		return fmt.Errorf("%s: buffer before caps", p.FullName())
	}
	if in.NumMemory() == 0 {
		return fmt.Errorf("%s: buffer without memory", p.FullName())
	}
	sf, err := video.FrameFromMemory(info, in.Memory(0))
	if err != nil {
		return fmt.Errorf("%s: %w", p.FullName(), err)
	}
	if sameLayout(info, out) && in.IsWritable() {
		// The frame already is what the batch needs and nobody else holds
		// it: the batch takes it as it is instead of copying it.
		buf.AppendMemory(in.ShareMemory(0))
	} else {
		df := video.Frame{Info: out, Data: slot}
		opt := video.ConvertOptions{KeepAspect: m.padding, Interp: video.Interp(m.interp), PadColor: [4]uint8{0, 0, 0, 255}, Pool: m.workers}
		if err := video.Convert(&df, &sf, opt); err != nil {
			return fmt.Errorf("%s: %w", p.FullName(), err)
		}
		buf.AppendMemory(pipeline.Memory{Type: pipeline.MemoryHost, Data: slot, Size: len(slot)})
	}
	if n == 0 || (in.PTS != pipeline.NoTime && in.PTS < buf.PTS) {
		buf.PTS, buf.Duration = in.PTS, in.Duration
	}
	fm := batch.AcquireFrameMeta()
	fm.SourceID, fm.BatchID, fm.FrameNum = id, n, num
	fm.BufPTS = in.PTS
	fm.SourceFrameWidth, fm.SourceFrameHeight = info.Width, info.Height
	fm.PipelineWidth, fm.PipelineHeight = out.Width, out.Height
	fm.SurfaceIndex = n
	if m.attachSysTS {
		fm.NTPTimestamp = uint64(time.Now().UnixNano())
	}
	return batch.AddFrame(fm)
}

// sameLayout reports whether frames of a and b are laid out identically.
func sameLayout(a, b video.Info) bool {
	return a.Format == b.Format && a.Width == b.Width && a.Height == b.Height &&
		a.Stride == b.Stride && a.Offset == b.Offset && a.Size == b.Size
}
