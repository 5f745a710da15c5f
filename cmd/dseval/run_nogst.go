//go:build nogst

package main

import (
	"errors"
	"io"
)

// evalRun needs GStreamer to decode the clips.
func evalRun([]string, io.Writer, io.Writer) error {
	return errors.New("dseval run decodes video with GStreamer: build without -tags nogst")
}
