package app

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// batchOf returns a buffer carrying a batch with one frame per source id.
func batchOf(t testing.TB, ids ...int) *pipeline.Buffer {
	t.Helper()
	b, err := meta.NewBatchMeta(max(len(ids), 1))
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		f := b.AcquireFrameMeta()
		f.SourceID, f.BatchID = id, i
		if err := b.AddFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	buf := pipeline.NewBuffer()
	buf.AddMeta(b)
	return buf
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

// Source 0 at 30 fps and source 1 at 15 fps for one second, then source 0
// alone at 10 fps: current and average rates follow deepstream_perf.c.
func TestPerfMeterRatesPerSource(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	m := NewPerfMeter(2, clk.now)
	both, first := batchOf(t, 0, 1), batchOf(t, 0)
	info := func(b *pipeline.Buffer) *pipeline.ProbeInfo { return &pipeline.ProbeInfo{Buffer: b} }
	// t=0: the first frame of each source only starts its clock.
	m.Probe(nil, info(both))
	for k := 1; k <= 30; k++ {
		clk.advance(time.Second / 30)
		if k%2 == 0 {
			m.Probe(nil, info(both))
		} else {
			m.Probe(nil, info(first))
		}
	}
	s := m.Sample()
	if !near(s.FPS[0], 30) || !near(s.FPS[1], 15) {
		t.Fatalf("fps %v, want [30 15]", s.FPS)
	}
	if !near(s.Avg[0], 30) || !near(s.Avg[1], 15) {
		t.Fatalf("avg %v, want [30 15]", s.Avg)
	}
	// The next second: source 0 at 10 fps, source 1 silent.
	for range 10 {
		clk.advance(time.Second / 10)
		m.Probe(nil, info(first))
	}
	s = m.Sample()
	if !near(s.FPS[0], 10) || s.FPS[1] != 0 {
		t.Fatalf("fps %v, want [10 0]", s.FPS)
	}
	if !near(s.Avg[0], 40.0/2) || !near(s.Avg[1], 15.0/2) {
		t.Fatalf("avg %v, want [20 7.5]", s.Avg)
	}
}

// Paused time does not count in the average, and frames seen while paused
// are not counted.
func TestPerfMeterPauseExcludesPausedTime(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0).Add(time.Hour)}
	m := NewPerfMeter(1, clk.now)
	buf := batchOf(t, 0)
	m.Count(meta.GetBatchMeta(buf))
	for range 20 {
		clk.advance(50 * time.Millisecond)
		m.Count(meta.GetBatchMeta(buf))
	}
	m.Sample() // 20 frames in 1 s
	m.Pause()
	clk.advance(10 * time.Second)
	m.Count(meta.GetBatchMeta(buf)) // ignored
	m.Resume()
	m.Count(meta.GetBatchMeta(buf)) // restarts the clock
	for range 20 {
		clk.advance(50 * time.Millisecond)
		m.Count(meta.GetBatchMeta(buf))
	}
	s := m.Sample()
	if !near(s.Avg[0], 20) {
		t.Fatalf("avg %v after a 10 s pause, want 20", s.Avg[0])
	}
}

// A source id beyond the meter's sources is ignored, not a panic.
func TestPerfMeterIgnoresUnknownSources(t *testing.T) {
	clk := &fakeClock{t: time.Unix(5, 0)}
	m := NewPerfMeter(1, clk.now)
	m.Count(meta.GetBatchMeta(batchOf(t, 7, -1, 0)))
	clk.advance(time.Second)
	m.Count(meta.GetBatchMeta(batchOf(t, 7, 0)))
	if s := m.Sample(); len(s.FPS) != 1 || !near(s.FPS[0], 1) {
		t.Fatalf("sample %+v", s)
	}
	m.Probe(nil, &pipeline.ProbeInfo{Buffer: pipeline.NewBuffer()}) // no batch meta
}

func TestPerfProbeAllocatesNothing(t *testing.T) {
	m := NewPerfMeter(4, nil)
	info := &pipeline.ProbeInfo{Buffer: batchOf(t, 0, 1, 2, 3)}
	if n := testing.AllocsPerRun(1000, func() { m.Probe(nil, info) }); n != 0 {
		t.Fatalf("%v allocations per buffer", n)
	}
}

// The text is deepstream-app's: a header every 20 lines, two decimals,
// a tab after every source.
func TestPerfTextFormat(t *testing.T) {
	m := NewPerfMeter(2, nil)
	var out bytes.Buffer
	s := PerfSample{FPS: []float64{30.016, 29.999}, Avg: []float64{29.97, 0}}
	for range 21 {
		if err := m.WriteText(&out, s); err != nil {
			t.Fatal(err)
		}
	}
	header := "\n**PERF:  FPS 0 (Avg)\tFPS 1 (Avg)\t\n"
	line := "**PERF:  30.02 (29.97)\t30.00 (0.00)\t\n"
	want := header + strings.Repeat(line, 20) + header + line
	if got := out.String(); got != want {
		t.Fatalf("got\n%q\nwant\n%q", got, want)
	}
}

func TestPerfJSONLine(t *testing.T) {
	var out bytes.Buffer
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	if err := WriteJSON(&out, PerfSample{Time: at, FPS: []float64{30.016, 7}, Avg: []float64{29.971, 7.5}}); err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-11-25T10:00:00Z","sources":[{"source_id":0,"fps":30.02,"avg_fps":29.97},{"source_id":1,"fps":7,"avg_fps":7.5}]}` + "\n"
	if out.String() != want {
		t.Fatalf("got %s want %s", out.String(), want)
	}
	var v perfJSON
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
}
