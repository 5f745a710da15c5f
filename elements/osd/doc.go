// Package osd provides nvdsosd, the on-screen display of DeepStream's
// Gst-nvdsosd: it draws, in place on RGBA or NV12 frames in host memory,
// what the metadata of each frame asks for:
//
//   - every object's box (RectParams: border colour and width, optional
//     translucent background), its label (TextParams: text, position, font
//     size and colour, optional background) and, with display-mask, its
//     instance mask (MaskParams, stretched over the box, drawn in the
//     border colour at half opacity);
//   - every DisplayMeta of the frame and of the batch: rectangles, texts,
//     lines, arrows and circles;
//   - with display-clock, the local time.
//
// Input buffers are streammux batches: one memory block per frame, laid
// out by the caps, and a meta.BatchMeta whose frames name their block
// with BatchID. Texts use the Go fonts, embedded, at 72 dpi (a size in
// points is that many pixels); their glyphs are rendered once and cached,
// so drawing allocates nothing in steady state. On NV12 frames colours are
// converted to BT.601 YUV and blended into the luma and chroma planes;
// chroma, shared by 2x2 pixels, takes the colour of any shape touching
// the block.
//
// Properties follow nvdsosd: display-text, display-bbox, display-mask,
// display-clock, clock-font-size, clock-x-offset, clock-y-offset,
// clock-color (0xRRGGBBAA), process-mode (GPU_MODE is accepted and draws
// on the CPU, with a warning) and gpu-id.
package osd
