package meta

import (
	"sync"
	"testing"

	"github.com/dsgo/dsgo/pipeline"
)

// counter is a user meta payload with no copy method: copies share it, so
// copying a batch allocates nothing for it. (A DataCopier payload such as
// *SegmentationMeta is deep-copied, which allocates by design.)
type counter struct{ n int }

// payload is a user meta's Data: a pointer, so storing it in an interface
// does not allocate.
var payload = &counter{n: 1}

// cycle is one batch's life in a running pipeline: streammux fills frames,
// a detector adds objects with masks, a classifier labels them, a probe
// draws and attaches user data, and the buffer's release recycles it all.
func cycle(tb testing.TB, p *Pool, frames, objs int) {
	b, err := p.AcquireBatch(frames)
	if err != nil {
		tb.Fatal(err)
	}
	fill(tb, b, frames, objs)
	b.ReleaseMeta()
}

func fill(tb testing.TB, b *BatchMeta, frames, objs int) {
	var err error
	check := func(e error) {
		if e != nil && err == nil {
			err = e
		}
	}
	for i := range frames {
		f := b.AcquireFrameMeta()
		f.SourceID, f.BatchID, f.FrameNum = i, i, i
		check(b.AddFrame(f))
		for j := range objs {
			o := b.AcquireObjectMeta()
			o.ClassID, o.ObjLabel, o.Confidence = j, "person", 0.9
			o.RectParams = RectParams{Left: 1, Top: 2, Width: 3, Height: 4}
			_, e := o.SetMask(8, 8, 0.5)
			check(e)
			check(f.AddObject(o))
			c := b.AcquireClassifierMeta()
			l := b.AcquireLabelInfo()
			l.ResultLabel = "red"
			check(c.AddLabel(l))
			check(o.AddClassifier(c))
			u := b.AcquireUserMeta()
			u.Type, u.Data = FirstUserMetaType, payload
			check(o.AddUserMeta(u))
		}
		d := b.AcquireDisplayMeta()
		check(d.AddLabel(TextParams{DisplayText: "count"}))
		check(f.AddDisplayMeta(d))
	}
	if err != nil {
		tb.Fatal(err)
	}
}

func TestSteadyStateAllocatesNothing(t *testing.T) {
	p := NewPool()
	allocs := testing.AllocsPerRun(100, func() { cycle(t, p, 4, 16) })
	if allocs != 0 {
		t.Errorf("steady-state batch cycle allocates %v times, want 0", allocs)
	}
}

func TestSteadyStateStandaloneBatchAllocatesNothing(t *testing.T) {
	b, err := NewBatchMeta(4)
	mustOK(t, err)
	allocs := testing.AllocsPerRun(100, func() {
		fill(t, b, 4, 16)
		b.ReleaseMeta()
	})
	if allocs != 0 {
		t.Errorf("reusing a NewBatchMeta batch allocates %v times, want 0", allocs)
	}
}

func TestSteadyStateRemoveAndCopyAllocateNothing(t *testing.T) {
	p := NewPool()
	allocs := testing.AllocsPerRun(100, func() {
		b, _ := p.AcquireBatch(2)
		fill(t, b, 2, 8)
		ForEachObject(b, func(f *FrameMeta, o *ObjectMeta) bool {
			if o.ClassID%2 == 1 {
				_ = f.RemoveObject(o)
			}
			return true
		})
		c := b.Copy()
		c.ReleaseMeta()
		b.ReleaseMeta()
	})
	if allocs != 0 {
		t.Errorf("remove+copy cycle allocates %v times, want 0", allocs)
	}
}

func TestProbeReadsAllocateNothing(t *testing.T) {
	p := NewPool()
	b, err := p.AcquireBatch(4)
	mustOK(t, err)
	fill(t, b, 4, 16)
	buf := pipeline.NewBuffer()
	buf.AddMeta(b)
	defer buf.Unref()
	n := 0
	allocs := testing.AllocsPerRun(100, func() {
		batch := GetBatchMeta(buf)
		ForEachObject(batch, func(_ *FrameMeta, o *ObjectMeta) bool {
			if c, ok := FindUserMeta[*counter](o.UserMetas, FirstUserMetaType); ok {
				n += c.n
			}
			return true
		})
		for _, o := range Objects(batch) {
			n += o.ClassID
		}
	})
	if allocs != 0 {
		t.Errorf("probe-style reads allocate %v times, want 0", allocs)
	}
	if n == 0 {
		t.Error("probe found no payloads")
	}
}

func TestConcurrentPipelinesShareAPool(t *testing.T) {
	// Run with -race: batches move between goroutines through the pool and
	// through a channel, as buffers move between elements.
	p := NewPool()
	ch := make(chan *BatchMeta, 4)
	var producers, consumers sync.WaitGroup
	for range 4 {
		producers.Go(func() {
			for range 200 {
				b, err := p.AcquireBatch(2)
				if err != nil {
					t.Error(err)
					return
				}
				fill(t, b, 2, 4)
				ch <- b
			}
		})
	}
	for range 4 {
		consumers.Go(func() {
			for b := range ch {
				c := b.Copy()
				ForEachObject(c, func(f *FrameMeta, o *ObjectMeta) bool { o.ClassID++; return true })
				c.ReleaseMeta()
				b.ReleaseMeta()
			}
		})
	}
	producers.Wait()
	close(ch)
	consumers.Wait()
}

func BenchmarkBatchCycle(b *testing.B) {
	p := NewPool()
	b.ReportAllocs()
	for b.Loop() {
		cycle(b, p, 4, 16)
	}
}

func BenchmarkBatchCopy(b *testing.B) {
	p := NewPool()
	batch, err := p.AcquireBatch(4)
	if err != nil {
		b.Fatal(err)
	}
	fill(b, batch, 4, 16)
	b.ReportAllocs()
	for b.Loop() {
		batch.Copy().ReleaseMeta()
	}
}

func BenchmarkForEachObject(b *testing.B) {
	batch, err := NewBatchMeta(4)
	if err != nil {
		b.Fatal(err)
	}
	fill(b, batch, 4, 16)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		ForEachObject(batch, func(_ *FrameMeta, o *ObjectMeta) bool { n += o.ClassID; return true })
	}
}
