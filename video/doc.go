// Package video describes raw video frames and works on their pixels on
// the CPU: formats (NV12, I420, RGBA, ...), the plane layout of a frame
// (Info, identical to GStreamer's so decoded frames need no copy), caps
// conversion, views of a buffer's memory as a Frame, and scaling and
// colour conversion (Convert) used by streammux, nvvideoconvert, the tiler
// and nvinfer's CPU preprocessing.
//
// A batch buffer from streammux holds one memory block per frame, each laid
// out by the batch's Info; FrameMeta.BatchID is the block's index.
//
// # Converting
//
// Convert scales (bilinear or nearest), crops, pads (keeping the aspect
// ratio) and converts between any two formats without allocating. The
// conversions pipelines spend their time in have dedicated fixed-point
// loops: NV12 and I420 to NV12 or I420 at any size, NV12 and I420 to
// packed RGB (RGBA, BGRA, BGRx, RGB, BGR) at any size, packed RGB to NV12
// or I420, and RGBA or BGRA to the same format. Other pairs (GRAY8 among
// them) go through a per-pixel reference path that follows the same
// sampling model, which the dedicated loops are tested against. Large
// frames are split by rows over the goroutines of a Workers that the
// caller owns (ConvertOptions.Pool): elements start one with their stream
// and close it when they stop.
//
// # Images
//
// Frame.Image views a frame's pixels as an image.Image without copying
// (*image.RGBA, *image.Gray, *image.YCbCr for I420, *NV12), so that probes
// can save snapshots with image/jpeg or image/png; Frame.ToRGBA converts
// any frame into an *image.RGBA.
package video
