package app

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/meta"
	"github.com/dsgo/dsgo/pipeline"
)

// kittiBatch returns a batch of two frames: source 0 frame 7 with a car and
// a person, source 3 frame 1234567 with none.
func kittiBatch(t *testing.T) *meta.BatchMeta {
	t.Helper()
	b, err := meta.NewBatchMeta(2)
	if err != nil {
		t.Fatal(err)
	}
	f0, f1 := b.AcquireFrameMeta(), b.AcquireFrameMeta()
	f0.SourceID, f0.FrameNum = 0, 7
	f1.SourceID, f1.FrameNum, f1.BatchID = 3, 1234567, 1
	mustOK(t, b.AddFrame(f0))
	mustOK(t, b.AddFrame(f1))
	car := b.AcquireObjectMeta()
	car.ObjLabel, car.Confidence = "Car", 0.875
	car.RectParams = meta.RectParams{Left: 10.5, Top: 20.25, Width: 100, Height: 50.125}
	car.ObjectID, car.TrackerConfidence = 42, 0.5
	car.TrackerBBoxInfo.OrgBBoxCoords = meta.BBoxCoords{Left: 11, Top: 21, Width: 99, Height: 49}
	person := b.AcquireObjectMeta()
	person.ObjLabel, person.Confidence = "Person", -1
	person.RectParams = meta.RectParams{Left: 0.1, Top: 0.2, Width: 3.3, Height: 7.7}
	mustOK(t, f0.AddObject(car))
	mustOK(t, f0.AddObject(person))
	return b
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestKITTIDetectionFiles(t *testing.T) {
	dir := t.TempDir()
	w := &KITTIWriter{Dir: dir}
	mustOK(t, w.Write(kittiBatch(t)))
	got, err := os.ReadFile(filepath.Join(dir, "00_000_000007.txt"))
	mustOK(t, err)
	want := "Car 0.0 0 0.0 10.500000 20.250000 110.500000 70.375000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.875000\n" +
		"Person 0.0 0 0.0 0.100000 0.200000 3.400000 7.900000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 -1.000000\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	empty, err := os.ReadFile(filepath.Join(dir, "00_003_1234567.txt"))
	if err != nil || len(empty) != 0 {
		t.Fatalf("frame without objects: %q, %v; want an empty file", empty, err)
	}
}

func TestKITTITrackFiles(t *testing.T) {
	dir := t.TempDir()
	w := &KITTIWriter{Dir: dir, Index: 2, Track: true}
	mustOK(t, w.Write(kittiBatch(t)))
	got, err := os.ReadFile(w.FileName(0, 7))
	mustOK(t, err)
	if filepath.Base(w.FileName(0, 7)) != "02_000_000007.txt" {
		t.Fatalf("file name %s", w.FileName(0, 7))
	}
	want := "Car 42 0.0 0 0.0 11.000000 21.000000 110.000000 70.000000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.500000\n" +
		"Person 18446744073709551615 0.0 0 0.0 0.000000 0.000000 0.000000 0.000000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.000000\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

// The numbers match C's printf("%f") of the float values, checked against
// a C program compiled here when a C compiler is present.
func TestKITTINumbersMatchC(t *testing.T) {
	cc, err := exec.LookPath("cc")
	if err != nil {
		t.Skip("no C compiler")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]float32, 200)
	for i := range vals {
		vals[i] = float32((rng.Float64() - 0.3) * float64([]float32{1, 100, 4000, 1e7}[i%4]))
	}
	vals = append(vals, 0.0000005, 0.0000015, 1e-7, 2.5e-6, -0.0000004)
	var src strings.Builder
	src.WriteString("#include <stdio.h>\nint main(void){\nstatic const float v[] = {")
	for _, v := range vals {
		fmt.Fprintf(&src, "%x,", float64(v)) // hex floats are exact
	}
	src.WriteString("};\nfor (unsigned i = 0; i < sizeof v / sizeof v[0]; i++) { float l = v[i], w = v[(i+1)%(sizeof v/sizeof v[0])]; float r = l + w;\n" +
		"printf(\"x 0.0 0 0.0 %f %f %f %f 0.0 0.0 0.0 0.0 0.0 0.0 0.0 %f\\n\", l, l, r, r, w); }\nreturn 0; }\n")
	dir := t.TempDir()
	mustOK(t, os.WriteFile(filepath.Join(dir, "ref.c"), []byte(src.String()), 0o644))
	if out, err := exec.Command(cc, "-O0", "-o", filepath.Join(dir, "ref"), filepath.Join(dir, "ref.c")).CombinedOutput(); err != nil {
		t.Fatalf("cc: %v\n%s", err, out)
	}
	want, err := exec.Command(filepath.Join(dir, "ref")).Output()
	mustOK(t, err)
	b, _ := meta.NewBatchMeta(1)
	o := b.AcquireObjectMeta()
	o.ObjLabel = "x"
	var got []byte
	w := &KITTIWriter{}
	for i, l := range vals {
		wd := vals[(i+1)%len(vals)]
		o.RectParams = meta.RectParams{Left: l, Top: l, Width: wd, Height: wd}
		o.Confidence = wd
		got = w.AppendLine(got, o)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("line %d:\n got %s\nwant %s", i, gl[i], wl[i])
			}
		}
		t.Fatalf("%d lines, want %d", len(gl), len(wl))
	}
}

// A directory that cannot be written: the probe posts one warning naming
// the problem, and the data passes.
func TestKITTIProbeReportsOnce(t *testing.T) {
	w := &KITTIWriter{Dir: filepath.Join(t.TempDir(), "missing")}
	p := pipeline.NewPipeline("p")
	e, err := pipeline.Make("identity", "gie")
	mustOK(t, err)
	mustOK(t, p.Add(e))
	buf := pipeline.NewBuffer()
	buf.AddMeta(kittiBatch(t))
	for range 3 {
		if r := w.Probe(pipeline.Base(e).SrcPad(), &pipeline.ProbeInfo{Buffer: buf}); r != pipeline.ProbeOK {
			t.Fatalf("probe returned %v", r)
		}
	}
	if w.Err() == nil || !strings.Contains(w.Err().Error(), "missing") {
		t.Fatalf("Err() = %v", w.Err())
	}
	n := 0
	for m := p.Bus().TryPop(pipeline.MessageWarning); m != nil; m = p.Bus().TryPop(pipeline.MessageWarning) {
		n++
	}
	if n != 1 {
		t.Fatalf("%d warnings, want 1", n)
	}
}
