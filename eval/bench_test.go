package eval

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// benchClip is a clip of n 1280x720 frames with k moving objects each and
// noisy, partly missed, tracked detections of them; masks are rectangles.
func benchClip(b *testing.B, n, k int, masks bool) Clip {
	rng := rand.New(rand.NewPCG(9, 9))
	const W, H = 1280, 720
	g := &GroundTruth{Categories: DefaultCategories()}
	var preds []Prediction
	rect := func(bx Box) *RLE {
		m := make([]byte, W*H)
		for x := int(bx.X); x < int(bx.X+bx.W) && x < W; x++ {
			for y := int(bx.Y); y < int(bx.Y+bx.H) && y < H; y++ {
				m[x*H+y] = 1
			}
		}
		r, err := RLEFromMask(m, H, W)
		if err != nil {
			b.Fatal(err)
		}
		return &r
	}
	for f := range n {
		g.Images = append(g.Images, Image{ID: f + 1, Frame: f, Width: W, Height: H})
		for j := range k {
			bx := Box{float64(50 + 100*j + f%50), float64(100 + 30*(j%5)), 80, 60}
			a := Annotation{ID: len(g.Annotations) + 1, ImageID: f + 1, CategoryID: 1 + j%3, Box: bx, Area: 4800,
				TrackID: int64(j), HasTrack: true}
			if masks {
				r := rect(bx)
				seg, err := json.Marshal(map[string]any{"size": []int{H, W}, "counts": r.String()})
				if err != nil {
					b.Fatal(err)
				}
				a.Segmentation = seg
			}
			g.Annotations = append(g.Annotations, a)
			if rng.IntN(10) == 0 {
				continue
			}
			pb := jitter(rng, bx, 0.1)
			p := Prediction{ImageID: f + 1, Frame: f, CategoryID: a.CategoryID, Box: pb, Score: rng.Float64(),
				TrackID: int64(j + 100*(f/300)), HasTrack: true}
			if masks {
				p.Mask = rect(pb)
			}
			preds = append(preds, p)
		}
	}
	if err := g.index(); err != nil {
		b.Fatal(err)
	}
	return Clip{GT: g, Pred: preds}
}

func BenchmarkBoxAP(b *testing.B) {
	c := []Clip{benchClip(b, 3000, 10, false)}
	b.ResetTimer()
	for range b.N {
		if _, err := EvaluateDetections(c, DetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMaskAP(b *testing.B) {
	c := []Clip{benchClip(b, 300, 10, true)}
	b.ResetTimer()
	for range b.N {
		if _, err := EvaluateDetections(c, DetOptions{Masks: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTracking(b *testing.B) {
	c := []Clip{benchClip(b, 3000, 10, false)}
	b.ResetTimer()
	for range b.N {
		if _, err := EvaluateTracking(c, TrackOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
