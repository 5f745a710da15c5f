package eval

import (
	"math"
	"testing"
)

// gtBuilder assembles a GroundTruth in memory for tests: images 1..n with
// frame = id-1, the default categories, and annotations with ids in order.
type gtBuilder struct {
	g *GroundTruth
}

func newGT(images int) *gtBuilder {
	g := &GroundTruth{Categories: DefaultCategories()}
	for i := 1; i <= images; i++ {
		g.Images = append(g.Images, Image{ID: i, Frame: i - 1, Width: 100, Height: 100})
	}
	return &gtBuilder{g}
}

// obj adds an object and returns the builder.
func (b *gtBuilder) obj(image, cat int, box Box) *gtBuilder {
	return b.add(Annotation{ImageID: image, CategoryID: cat, Box: box})
}

// ignored adds an ignored object.
func (b *gtBuilder) ignored(image, cat int, box Box) *gtBuilder {
	return b.add(Annotation{ImageID: image, CategoryID: cat, Box: box, Ignore: true})
}

// track adds an object with a track id.
func (b *gtBuilder) track(image, cat int, id int64, box Box) *gtBuilder {
	return b.add(Annotation{ImageID: image, CategoryID: cat, Box: box, TrackID: id, HasTrack: true})
}

func (b *gtBuilder) add(a Annotation) *gtBuilder {
	a.ID = len(b.g.Annotations) + 1
	if a.Area == 0 {
		a.Area = a.Box.W * a.Box.H
	}
	b.g.Annotations = append(b.g.Annotations, a)
	return b
}

// build indexes the ground truth.
func (b *gtBuilder) build(t testing.TB) *GroundTruth {
	t.Helper()
	if err := b.g.index(); err != nil {
		t.Fatal(err)
	}
	return b.g
}

// det is a detection on an image (frame = image-1).
func det(image, cat int, score float64, box Box) Prediction {
	return Prediction{ImageID: image, Frame: image - 1, CategoryID: cat, Score: score, Box: box}
}

// trk is a tracked prediction.
func trk(image, cat int, id int64, box Box) Prediction {
	return Prediction{ImageID: image, Frame: image - 1, CategoryID: cat, Score: 1, Box: box, TrackID: id, HasTrack: true}
}

// near reports whether two floats agree to 1e-12 (or are both NaN).
func near(a, b float64) bool {
	if math.IsNaN(a) || math.IsNaN(b) {
		return math.IsNaN(a) && math.IsNaN(b)
	}
	return math.Abs(a-b) <= 1e-12
}

// box is shorthand for a Box literal.
func box(x, y, w, h float64) Box { return Box{x, y, w, h} }
