// Package video describes raw video frames and works on their pixels on
// the CPU: formats (NV12, I420, RGBA, ...), the plane layout of a frame
// (Info, identical to GStreamer's so decoded frames need no copy), caps
// conversion, views of a buffer's memory as a Frame, and scaling and
// colour conversion (Convert) used by streammux, nvvideoconvert, the tiler
// and nvinfer's CPU preprocessing.
//
// A batch buffer from streammux holds one memory block per frame, each laid
// out by the batch's Info; FrameMeta.BatchID is the block's index.
package video
