package tensor

import "testing"

func TestShapeNumElementsAndString(t *testing.T) {
	for _, tc := range []struct {
		s    Shape
		n    int
		text string
	}{
		{Shape{1, 3, 4}, 12, "[1x3x4]"},
		{Shape{-1, 3}, -1, "[?x3]"},
		{Shape{}, 1, "[]"},
	} {
		if tc.s.NumElements() != tc.n || tc.s.String() != tc.text {
			t.Errorf("%v: %d %q", []int(tc.s), tc.s.NumElements(), tc.s.String())
		}
	}
}

func TestFromF32ChecksTheShape(t *testing.T) {
	if _, err := FromF32(make([]float32, 5), 2, 3); err == nil {
		t.Fatal("a 2x3 tensor wrapped 5 elements")
	}
	x, err := FromF32(make([]float32, 6), 2, 3)
	if err != nil || x.Len() != 6 || x.DType != Float32 {
		t.Fatalf("%v %v", x, err)
	}
}
