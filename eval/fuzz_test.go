package eval

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// Every reader of outside input: errors for bad input, never a panic, and
// what is accepted is consistent.

func FuzzReadCOCOGroundTruth(f *testing.F) {
	f.Add([]byte(clipGT))
	f.Add([]byte(`{"images":[{"id":1}],"categories":[{"id":1,"name":"Car"}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[1,2,3,4]}]}`))
	f.Add([]byte(`{"images":[],"categories":[],"annotations":[]}`))
	f.Add([]byte(`{"images":[{"id":1,"frame":-5}],"categories":[{"id":1}],"annotations":[{"image_id":1,"category_id":1,"bbox":[1e308,1e308,1e308,1e308]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ReadCOCOGroundTruth(bytes.NewReader(data))
		if err != nil {
			return
		}
		// An accepted ground truth evaluates without panicking.
		clips := []Clip{{GT: g}}
		if _, err := EvaluateDetections(clips, DetOptions{}); err != nil {
			t.Fatalf("accepted ground truth fails to evaluate: %v", err)
		}
		_, _ = EvaluateDetections(clips, DetOptions{Masks: true})
		_, _ = EvaluateTracking(clips, TrackOptions{})
		_, _ = EvaluateAttribute(clips, "color")
	})
}

func FuzzReadCOCOResults(f *testing.F) {
	f.Add([]byte(`[{"image_id":1,"category_id":1,"bbox":[10,5,20,10],"score":0.5,"attributes":{"color":"red"}}]`))
	f.Add([]byte(`[{"image_id":2,"category_id":3,"score":0.9,"segmentation":{"size":[10,15],"counts":"T3b1"}}]`))
	f.Add([]byte(`[{"image_id":1,"category_id":1,"bbox":[1,2,3,4],"score":1,"segmentation":{"size":[48,64],"counts":[100]}}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ReadCOCOGroundTruth(strings.NewReader(clipGT))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadCOCOResults(bytes.NewReader(data), g)
		if err != nil {
			return
		}
		clips := []Clip{{GT: g, Pred: p}}
		if _, err := EvaluateDetections(clips, DetOptions{}); err != nil {
			t.Fatalf("accepted results fail to evaluate: %v", err)
		}
		_, _ = EvaluateDetections(clips, DetOptions{Masks: true})
		_, _ = EvaluateAttribute(clips, "color")
	})
}

func FuzzParseKITTILine(f *testing.F) {
	for _, s := range []string{
		"Car 0.0 0 0.0 10.500000 20.000000 30.500000 60.000000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.875000",
		"Person 0.0 0 0.0 1.00 2.00 11.00 32.00 0.0 0.0 0.0 0.0 0.0 0.0 0.0",
		"Car 42 0.0 0 0.0 10.000000 20.000000 30.000000 60.000000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.500000",
		"Person 7 0.0 0 0.0 1 2 3 4 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.9 0.8 2.0 4.0",
		"traffic light 0.0 0 0.0 1 2 3 4 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.3",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		o, err := ParseKITTILine(line)
		if err != nil {
			return
		}
		if !o.Box.valid() || o.Label == "" || o.Score != o.Score {
			t.Fatalf("accepted %q as %+v", line, o)
		}
	})
}

func FuzzParseKITTIName(f *testing.F) {
	for _, s := range []string{"00_000_000000.txt", "01_002_001234.txt", "000017.txt", "x.txt", "1_2_3_4.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, err := ParseKITTIName(name)
		if err == nil && (n.App < 0 || n.Source < 0 || n.Frame < 0) {
			t.Fatalf("%q → %+v", name, n)
		}
	})
}

func FuzzReadMOT(f *testing.F) {
	f.Add("1,1,10,20,30,40,1,1,0.9\n1,2,0,0,5,5,0,3,0.1\n")
	f.Add("1 5 10 20 30 40 0.9 -1 -1 -1\n2,6,1,2,3,4,0.5,3,-1,-1,\n# comment\n")
	f.Add("3,1,1e300,2,3,4\n")
	f.Fuzz(func(t *testing.T, text string) {
		g, err := ReadMOTGroundTruth(strings.NewReader(text))
		if err == nil {
			if _, err := EvaluateTracking([]Clip{{GT: g}}, TrackOptions{}); err != nil {
				t.Fatalf("accepted MOT ground truth fails to evaluate: %v", err)
			}
		}
		ref, err := ReadMOTGroundTruth(strings.NewReader("1,1,10,20,30,40,1,1,1\n2,1,11,20,30,40,1,1,1\n"))
		if err != nil {
			t.Fatal(err)
		}
		p, err := ReadMOTPredictions(strings.NewReader(text), ref)
		if err != nil {
			return
		}
		if _, err := EvaluateTracking([]Clip{{GT: ref, Pred: p}}, TrackOptions{}); err != nil {
			t.Fatalf("accepted MOT predictions fail to evaluate: %v", err)
		}
	})
}

func FuzzDecodeRLEString(f *testing.F) {
	f.Add("T3b1", 10, 15)
	f.Add("5:3H", 4, 5)
	f.Add("", 0, 0)
	f.Add("ooooooo1", 1000, 1000)
	f.Fuzz(func(t *testing.T, s string, h, w int) {
		r, err := DecodeRLEString(s, h, w)
		if err != nil {
			return
		}
		// Re-encoding may differ (the encoding is not unique) but decodes
		// to the same runs.
		back, err := DecodeRLEString(r.String(), h, w)
		if err != nil || !slices.Equal(back.Counts, r.Counts) {
			t.Fatalf("%q: re-encoded %q decodes to %v (%v), want %v", s, r.String(), back.Counts, err, r.Counts)
		}
		if _, err := MaskIoU(&r, &r, false); err != nil {
			t.Fatal(err)
		}
		_ = r.Bbox()
	})
}

func FuzzParseSegmentation(f *testing.F) {
	f.Add([]byte(`{"size":[10,15],"counts":"T3b1"}`))
	f.Add([]byte(`{"size":[10,15],"counts":[100,50]}`))
	f.Add([]byte(`[[1,2,3,4]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := parseSegmentation(data)
		if err != nil {
			return
		}
		if err := r.checkCounts(); err != nil {
			t.Fatal(err)
		}
	})
}
