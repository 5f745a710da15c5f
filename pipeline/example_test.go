package pipeline_test

import (
	"context"
	"fmt"
	"time"

	"github.com/dsgo/dsgo/pipeline"
)

// Build fakesrc num-buffers=3 ! identity ! fakesink in Go, watch the
// buffers reaching the sink with a probe, and run it to the end.
func Example() {
	p := pipeline.NewPipeline("example")
	src, id, sink := pipeline.NewFakeSrc(), pipeline.NewIdentity(), pipeline.NewFakeSink()
	if err := src.Set("num-buffers", 3); err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Add(src, id, sink); err != nil {
		fmt.Println(err)
		return
	}
	if err := pipeline.LinkMany(src, id, sink); err != nil {
		fmt.Println(err)
		return
	}
	sink.Sink().AddProbe(pipeline.ProbeBuffer, func(_ *pipeline.Pad, info *pipeline.ProbeInfo) pipeline.ProbeReturn {
		fmt.Println("offset", info.Buffer.Offset)
		return pipeline.ProbeOK
	})
	if err := p.Run(context.Background(), time.Second, nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("done")
	// Output:
	// offset 0
	// offset 1
	// offset 2
	// done
}

// Launch builds the same kind of pipeline from a gst-launch style line.
func ExampleLaunch() {
	p, err := pipeline.Launch("fakesrc num-buffers=5 ! queue ! fakesink name=out")
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := p.Run(context.Background(), time.Second, nil); err != nil {
		fmt.Println(err)
		return
	}
	n, _ := pipeline.Base(p.ByName("out")).Get("buffers")
	fmt.Println("out rendered", n, "buffers")
	// Output: out rendered 5 buffers
}

// A launch error points at the offending column.
func ExampleLaunchError() {
	_, err := pipeline.Launch("fakesrc num-buffers=-5 ! fakesink")
	fmt.Println(err)
	// Output:
	// launch: column 9: fakesrc: num-buffers=-5: must be in -1 - 4611686018427387904
	//   fakesrc num-buffers=-5 ! fakesink
	//           ^
}
