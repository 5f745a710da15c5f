// Package scene renders synthetic street scenes with exact ground truth,
// for testing and training dsgo's detectors, trackers and classifiers
// without recorded video.
//
// A Scene is a deterministic function of its Config: the seed chooses the
// street (lanes, sidewalks, buildings, trees, camera height and angle) and
// the whole timeline of its traffic — cars of four types in eight colours,
// people walking, bicycles with riders — and its road signs. Render draws
// any frame on its own, so frames can be rendered in any order or in
// parallel with one Scene per goroutine.
//
// Everything is drawn as filled polygons and ellipses, far to near, with
// a pinhole camera's perspective. Each object is first rasterised alone
// into a scratch sprite (which gives the pixels it would have without
// occlusion) and then copied into the frame and into an instance-id map,
// so the ground truth's masks, boxes and visibilities are exactly the
// drawn pixels. Lighting (day, dusk, night, or a cycle through them),
// blur and camera noise change the pixels, never the ground truth.
//
// EncodeRLE and DecodeRLE convert masks to and from COCO's uncompressed
// run-length encoding.
package scene
