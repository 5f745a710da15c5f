// Package all links every dsgo element family into a program, so that
// pipeline.Launch and dsinspect know them: import it for its side effects.
//
//	import _ "github.com/dsgo/dsgo/elements/all"
package all

import (
	// Element families register themselves in their init functions.
	_ "github.com/dsgo/dsgo/elements/convert"
	_ "github.com/dsgo/dsgo/elements/gst"
	_ "github.com/dsgo/dsgo/elements/infer"
	_ "github.com/dsgo/dsgo/elements/osd"
	_ "github.com/dsgo/dsgo/elements/rtsp"
	_ "github.com/dsgo/dsgo/elements/sinks"
	_ "github.com/dsgo/dsgo/elements/streammux"
	_ "github.com/dsgo/dsgo/elements/testsrc"
	_ "github.com/dsgo/dsgo/elements/tiler"
)
