//go:build !nogst

package main

import (
	"context"
	"fmt"
	"image"
	"time"

	_ "github.com/dsgo/dsgo/elements/gst" // dsencsink
	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/samples/scene"
	"github.com/dsgo/dsgo/video"
)

// gstEncoder runs appsrc ! dsencsink: frames are rendered straight into
// pooled pipeline buffers, which the encoder sink turns into an MP4.
type gstEncoder struct {
	p    *pipeline.Pipeline
	src  *pipeline.AppSrc
	pool *pipeline.BufferPool
	info video.Info
	buf  *pipeline.Buffer
	img  image.RGBA
	fps  int
	path string
}

// newEncoder starts the encoding pipeline for cfg's frames.
func newEncoder(cfg scene.Config, path string, kbps int) (encoder, error) {
	if kbps == 0 {
		kbps = defaultBitrate(cfg.Width, cfg.Height, cfg.FPS)
	}
	info, err := video.NewInfo(video.FormatRGBA, cfg.Width, cfg.Height)
	if err != nil {
		return nil, err
	}
	info.FPS = pipeline.Fraction{Num: cfg.FPS, Den: 1}
	e := &gstEncoder{p: pipeline.NewPipeline("dsscene"), src: pipeline.NewAppSrc(), info: info, fps: cfg.FPS, path: path}
	sink, err := pipeline.Make("dsencsink", "enc")
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]any{"location": path, "bitrate": kbps, "key-int-max": 2 * cfg.FPS} {
		if err := pipeline.Base(sink).Set(k, v); err != nil {
			return nil, fmt.Errorf("dsencsink %s: %w", k, err)
		}
	}
	if err := e.src.Set("caps", info.Caps()); err != nil {
		return nil, err
	}
	if err := e.src.Set("max-buffers", 4); err != nil {
		return nil, err
	}
	if err := e.p.Add(e.src, sink); err != nil {
		return nil, err
	}
	if err := pipeline.LinkElements(e.src, sink); err != nil {
		return nil, err
	}
	if e.pool, err = pipeline.NewBufferPool(info.Size, 2, 8); err != nil {
		return nil, err
	}
	if _, err := e.p.SetState(pipeline.StatePlaying); err != nil {
		e.p.SetState(pipeline.StateNull)
		return nil, fmt.Errorf("cannot start the encoder for %s: %w", path, err)
	}
	return e, nil
}

// Frame acquires a buffer and views it as an image.
func (e *gstEncoder) Frame(ctx context.Context) (*image.RGBA, error) {
	if err := e.busError(); err != nil {
		return nil, err
	}
	b, err := e.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	e.buf = b
	e.img = image.RGBA{Pix: b.Bytes()[:e.info.Size], Stride: e.info.Stride[0], Rect: image.Rect(0, 0, e.info.Width, e.info.Height)}
	return &e.img, nil
}

// Push time-stamps the buffer and hands it to the pipeline.
func (e *gstEncoder) Push(ctx context.Context, i int) error {
	b := e.buf
	e.buf = nil
	b.PTS = time.Duration(i) * time.Second / time.Duration(e.fps)
	b.Duration = time.Duration(i+1)*time.Second/time.Duration(e.fps) - b.PTS
	b.Offset = uint64(i)
	if err := e.src.Push(ctx, b); err != nil {
		return fmt.Errorf("encoder: %w", err)
	}
	return nil
}

// busError returns the first error the pipeline posted, if any.
func (e *gstEncoder) busError() error {
	if m := e.p.Bus().TryPop(pipeline.MessageError); m != nil {
		return fmt.Errorf("encoding %s: %w", e.path, &pipeline.ErrorMessage{Element: m.SourceName(), Err: m.Err, Debug: m.Debug})
	}
	return nil
}

// Close ends the stream and waits until the file is finished.
func (e *gstEncoder) Close(ctx context.Context, ok bool) error {
	defer e.p.SetState(pipeline.StateNull)
	if e.buf != nil {
		e.buf.Unref()
		e.buf = nil
	}
	if !ok {
		return nil
	}
	if err := e.src.EndOfStream(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	m, err := e.p.Bus().Pop(ctx, pipeline.MessageEOS|pipeline.MessageError)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", e.path, err)
	}
	if m.Type == pipeline.MessageError {
		return fmt.Errorf("encoding %s: %w", e.path, &pipeline.ErrorMessage{Element: m.SourceName(), Err: m.Err, Debug: m.Debug})
	}
	return nil
}
