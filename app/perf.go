package app

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// PerfMeter measures the frame rate of every source, as deepstream-app's
// enable-perf-measurement does: a buffer probe after the last inference
// counts the frames of each source id in the batch metadata, and every
// interval Sample turns the counts into the current rate (frames since the
// last sample over the time between the last frames of the two samples) and
// the average rate since the source's first frame, leaving out paused time.
//
// The probe takes a lock and reads the clock once per batch; it allocates
// nothing. Frames of source ids beyond the number given to NewPerfMeter are
// not counted.
type PerfMeter struct {
	now func() time.Time

	mu      sync.Mutex
	stopped bool
	sources []perfSource
	sample  PerfSample // reused by Sample
	lines   int        // lines printed since the last header
	text    []byte     // reused by WriteText
}

// perfSource is one source's counters, deepstream_perf.c's
// NvDsInstancePerfStruct.
type perfSource struct {
	start      time.Time     // first frame since (re)start, zero before it
	last       time.Time     // latest frame
	lastSample time.Time     // latest frame at the previous sample
	count      int           // frames since the previous sample
	total      int           // frames counted by samples so far
	totalTime  time.Duration // measured time before the latest pause
}

// PerfSample is one measurement: per source id, the current and the
// average frames per second.
type PerfSample struct {
	Time time.Time
	FPS  []float64 // per source id, since the previous sample
	Avg  []float64 // per source id, since the first frame
}

// NewPerfMeter returns a meter for sources 0..numSources-1 reading the
// clock now (time.Now when nil; tests pass a fake clock).
func NewPerfMeter(numSources int, now func() time.Time) *PerfMeter {
	if now == nil {
		now = time.Now
	}
	numSources = max(numSources, 0)
	return &PerfMeter{
		now:     now,
		sources: make([]perfSource, numSources),
		sample:  PerfSample{FPS: make([]float64, numSources), Avg: make([]float64, numSources)},
	}
}

// NumSources returns how many sources the meter reports.
func (m *PerfMeter) NumSources() int { return len(m.sources) }

// Probe is a buffer probe (pipeline.ProbeFunc) that counts the frames of
// each batch; install it with pad.AddProbe(pipeline.ProbeBuffer, m.Probe).
func (m *PerfMeter) Probe(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
	if b := meta.GetBatchMeta(info.Buffer); b != nil {
		m.Count(b)
	}
	return pipeline.ProbeOK
}

// Count counts the frames of one batch. As deepstream-app does, the first
// frame of a source after a start or resume only marks the start time.
func (m *PerfMeter) Count(batch *meta.BatchMeta) {
	if batch == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	now := m.now()
	for _, f := range batch.Frames {
		if f.SourceID < 0 || f.SourceID >= len(m.sources) {
			continue
		}
		s := &m.sources[f.SourceID]
		s.last = now
		if s.start.IsZero() {
			s.start = now
		} else {
			s.count++
		}
	}
}

// Pause stops counting (the pipeline is paused) and keeps the time
// measured so far for the averages.
func (m *PerfMeter) Pause() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return
	}
	m.stopped = true
	for i := range m.sources {
		s := &m.sources[i]
		if !s.start.IsZero() {
			s.totalTime += s.last.Sub(s.start)
		}
		s.start = time.Time{}
	}
}

// Resume starts counting again after Pause.
func (m *PerfMeter) Resume() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.stopped {
		return
	}
	m.stopped = false
	for i := range m.sources {
		m.sources[i].count = 0
	}
}

// Paused reports whether the meter is paused.
func (m *PerfMeter) Paused() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stopped
}

// Sample computes the rates since the previous sample and starts a new
// interval. The returned slices are reused by the next call.
func (m *PerfMeter) Sample() PerfSample {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	m.sample.Time = now
	for i := range m.sources {
		s := &m.sources[i]
		n := s.count
		s.count = 0
		s.total += n
		measured := s.totalTime // time1 in deepstream_perf.c
		if !s.start.IsZero() {
			measured += now.Sub(s.start)
		}
		from := s.lastSample // time2's start
		if from.IsZero() {
			from = s.start
		}
		m.sample.FPS[i] = rate(n, s.last.Sub(from))
		m.sample.Avg[i] = rate(s.total, measured)
		s.lastSample = s.last
	}
	return m.sample
}

// rate is n frames over d, 0 when d is not positive.
func rate(n int, d time.Duration) float64 {
	if n == 0 || d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// perfHeaderEvery is how many lines deepstream-app prints between headers.
const perfHeaderEvery = 20

// WriteText prints a sample as deepstream-app does: every 20 lines a
// header "\n**PERF:  FPS 0 (Avg)\tFPS 1 (Avg)\t\n", then
// "**PERF:  30.02 (29.97)\t30.01 (29.95)\t\n".
func (m *PerfMeter) WriteText(w io.Writer, s PerfSample) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.text[:0]
	if m.lines%perfHeaderEvery == 0 {
		b = append(b, "\n**PERF:  "...)
		for i := range s.FPS {
			b = append(b, "FPS "...)
			b = strconv.AppendInt(b, int64(i), 10)
			b = append(b, " (Avg)\t"...)
		}
		b = append(b, '\n')
		m.lines = 0
	}
	m.lines++
	b = append(b, "**PERF:  "...)
	for i := range s.FPS {
		b = strconv.AppendFloat(b, s.FPS[i], 'f', 2, 64)
		b = append(b, " ("...)
		b = strconv.AppendFloat(b, s.Avg[i], 'f', 2, 64)
		b = append(b, ")\t"...)
	}
	b = append(b, '\n')
	m.text = b
	_, err := w.Write(b)
	return err
}

// perfJSON is one JSON line of --perf-json.
type perfJSON struct {
	Time    string           `json:"time"`
	Sources []perfJSONSource `json:"sources"`
}

type perfJSONSource struct {
	SourceID int     `json:"source_id"`
	FPS      float64 `json:"fps"`
	AvgFPS   float64 `json:"avg_fps"`
}

// WriteJSON prints a sample as one JSON line:
// {"time":"<RFC 3339>","sources":[{"source_id":0,"fps":30.02,"avg_fps":29.97}]}
// with the rates rounded to two decimals like the text form.
func WriteJSON(w io.Writer, s PerfSample) error {
	line := perfJSON{Time: s.Time.UTC().Format(time.RFC3339Nano), Sources: make([]perfJSONSource, len(s.FPS))}
	for i := range s.FPS {
		line.Sources[i] = perfJSONSource{SourceID: i, FPS: round2(s.FPS[i]), AvgFPS: round2(s.Avg[i])}
	}
	b, err := json.Marshal(line)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// round2 rounds to two decimals as %.2f does.
func round2(f float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'f', 2, 64), 64)
	return v
}

// Report prints a sample every interval until ctx ends: the text form to
// text and, when jsonOut is not nil, a JSON line to jsonOut. Nothing is
// printed while the meter is paused, as deepstream-app stops its timer.
func (m *PerfMeter) Report(ctx context.Context, interval time.Duration, text, jsonOut io.Writer) {
	if interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if m.Paused() {
			continue
		}
		s := m.Sample()
		if text != nil {
			m.WriteText(text, s)
		}
		if jsonOut != nil {
			WriteJSON(jsonOut, s)
		}
	}
}
