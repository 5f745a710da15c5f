package parsers

import (
	"encoding/binary"
	"math"
	"testing"

	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

// floatsFrom turns fuzz bytes into float32s, NaNs and infinities included.
func floatsFrom(b []byte) []float32 {
	f := make([]float32, len(b)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return f
}

// fuzzLayer makes a tensor of the given name and shape from data, the data
// cut or padded to fit.
func fuzzLayer(name string, data []float32, shape ...int) *tensor.Tensor {
	t := named(name, shape...)
	copy(t.F32, data)
	return t
}

// FuzzParsersNeverPanic feeds every parser and clustering mode arbitrary
// shapes and values; errors are fine, panics are not.
func FuzzParsersNeverPanic(f *testing.F) {
	f.Add(uint8(4), uint8(3), uint8(5), uint8(2), []byte{0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 192, 127})
	f.Add(uint8(1), uint8(6), uint8(7), uint8(1), make([]byte, 64))
	f.Fuzz(fuzzOnce)
}

func fuzzOnce(t *testing.T, a, b, c, nc uint8, raw []byte) {
	{
		if len(raw) > 4096 {
			raw = raw[:4096] // DBSCAN is quadratic in boxes, as DeepStream's
		}
		d0, d1, d2 := int(a%9)+1, int(b%9)+1, int(c%9)+1
		data := floatsFrom(raw)
		net := meta.NetworkInfo{Width: 16 * d2, Height: 16 * d1, Channels: 3}
		p := params(int(nc%5)+1, 0.1)
		sets := [][]*tensor.Tensor{
			{fuzzLayer("cov", data, d0, d1, d2), fuzzLayer("bbox", data, 4*d0, d1, d2)},
			{fuzzLayer("cov", data, d0, d1, d2), fuzzLayer("bbox", data, d0, d1, d2)},
			{fuzzLayer("num_detections", data, 1), fuzzLayer("detection_boxes", data, d0, 4),
				fuzzLayer("detection_scores", data, d0), fuzzLayer("detection_classes", data, d1)},
			{fuzzLayer("output", data, d0, d1+4)},
			{fuzzLayer("output", data, d1, d0*d2)},
			{fuzzLayer(mrcnnDetections, data, d0, 6), fuzzLayer(mrcnnMasks, data, d1, d2, 2, 2)},
			{nil},
		}
		var objs []Object
		for _, layers := range sets {
			for _, parse := range []BBoxFunc{ParseDetectNet, ParseTfSSD, ParseYolo, ParseYoloV5, ParseYoloV8} {
				objs, _ = parse(layers, net, p, objs)
			}
			_, _ = ParseMrcnnTLTV2(layers, net, p, nil)
			_, _ = ParseSoftmax(layers, net, 0.5, [][]string{{"a"}}, nil)
			_, _ = ParseMultiLabel(layers, net, 0.5, nil, nil)
			var s meta.SegmentationMeta
			_ = ParseSegmentation(layers[0], 0.5, d0%2 == 0, &s)
		}
		for i := range data {
			if i+5 < len(data) && i%6 == 0 {
				objs = append(objs, Object{ClassID: int(int8(raw[i])), Left: data[i], Top: data[i+1],
					Width: data[i+2], Height: data[i+3], Confidence: data[i+4]})
			}
		}
		cp := ClassParams{EPS: 0.5, MinBoxes: 2, GroupThreshold: 1, NMSIOUThreshold: 0.5, TopK: 3}
		for mode := range 5 {
			cl := Clusterer{Mode: mode, Classes: classes(3, cp)}
			out, err := cl.Cluster(objs, nil)
			if err != nil {
				t.Fatal(err)
			}
			_ = Filter(out, cl.Classes, []int{1}, 100)
		}
	}
}
