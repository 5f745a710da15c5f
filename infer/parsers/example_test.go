package parsers_test

import (
	"fmt"

	"github.com/dsgo/dsgo/infer/parsers"
	"github.com/dsgo/dsgo/infer/tensor"
	"github.com/dsgo/dsgo/meta"
)

// A program registers its own parser under the name its config's
// parse-bbox-func-name gives, then looks it up as the infer element does.
func ExampleRegister() {
	parsers.Register("NvDsInferParseCustomCenter", parsers.BBoxFunc(
		func(layers []*tensor.Tensor, net meta.NetworkInfo, p *parsers.DetectionParams, out []parsers.Object) ([]parsers.Object, error) {
			// One box in the middle of the network input.
			return append(out, parsers.Object{ClassID: 0, Left: float32(net.Width) / 4, Top: float32(net.Height) / 4,
				Width: float32(net.Width) / 2, Height: float32(net.Height) / 2, Confidence: 1}), nil
		}))
	p, err := parsers.Default.BBox("NvDsInferParseCustomCenter")
	if err != nil {
		fmt.Println(err)
		return
	}
	objs, _ := p.ParseBBox(nil, meta.NetworkInfo{Width: 640, Height: 480}, &parsers.DetectionParams{NumClasses: 1, PreClusterThreshold: []float32{0.5}}, nil)
	fmt.Printf("%+v\n", objs[0])
	// Output: {ClassID:0 Left:160 Top:120 Width:320 Height:240 Confidence:1}
}

func ExampleClusterer() {
	c := parsers.Clusterer{Mode: parsers.ClusterNMS, Classes: []parsers.ClassParams{parsers.DefaultClassParams()}}
	objs := []parsers.Object{
		{ClassID: 0, Left: 10, Top: 10, Width: 100, Height: 100, Confidence: 0.8},
		{ClassID: 0, Left: 12, Top: 8, Width: 100, Height: 100, Confidence: 0.9},
	}
	out, _ := c.Cluster(objs, nil)
	fmt.Println(len(out), out[0].Confidence)
	// Output: 1 0.9
}
