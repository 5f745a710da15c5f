//go:build nogst

package main

import (
	"errors"

	"github.com/dsgo/dsgo/samples/scene"
)

// newEncoder fails: encoding uses GStreamer, which a nogst build leaves out.
func newEncoder(scene.Config, string, int) (encoder, error) {
	return nil, errors.New("dsscene clip needs GStreamer; build without -tags nogst")
}
