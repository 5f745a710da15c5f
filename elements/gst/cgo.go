//go:build !nogst

package gst

/*
#cgo pkg-config: gstreamer-1.0 gstreamer-app-1.0 gstreamer-video-1.0
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <gst/gst.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

// dsgo_frame is a GStreamer buffer held and mapped for a dsgo buffer.
typedef struct {
	GstBuffer *buf;
	GstMapInfo map;
	gint64 pts, dts, dur;
	guint64 offset;
	guint flags;
	int writable; // dsgo may write into the memory: no one else uses it
} dsgo_frame;

static gint64 dsgo_time(GstClockTime t) { return GST_CLOCK_TIME_IS_VALID(t) ? (gint64)t : -1; }

// dsgo_layout_differs reports whether a buffer's video meta describes
// another plane layout than the default one of info.
static int dsgo_layout_differs(GstBuffer *b, GstVideoInfo *info) {
	GstVideoMeta *m = gst_buffer_get_video_meta(b);
	if (m == NULL) return 0;
	for (guint i = 0; i < GST_VIDEO_INFO_N_PLANES(info); i++) {
		if (m->offset[i] != GST_VIDEO_INFO_PLANE_OFFSET(info, i) ||
		    m->stride[i] != GST_VIDEO_INFO_PLANE_STRIDE(info, i)) return 1;
	}
	return 0;
}

// dsgo_relayout copies a frame with a custom layout into a new buffer of
// the default layout; it returns b itself (unchanged) when it cannot.
static GstBuffer *dsgo_relayout(GstBuffer *b, GstVideoInfo *info) {
	GstVideoFrame in, out;
	GstBuffer *n = gst_buffer_new_allocate(NULL, GST_VIDEO_INFO_SIZE(info), NULL);
	if (!gst_video_frame_map(&in, info, b, GST_MAP_READ)) { gst_buffer_unref(n); return b; }
	// Map the new buffer without meta: default layout.
	if (!gst_video_frame_map(&out, info, n, GST_MAP_WRITE)) {
		gst_video_frame_unmap(&in); gst_buffer_unref(n); return b;
	}
	gst_video_frame_copy(&out, &in);
	gst_video_frame_unmap(&out);
	gst_video_frame_unmap(&in);
	gst_buffer_copy_into(n, b, GST_BUFFER_COPY_FLAGS | GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
	gst_buffer_unref(b);
	return n;
}

// dsgo_exclusive reports whether dsgo may write into a pulled buffer: its
// memory belongs to it alone, and the buffer is held only by dsgo and by
// the appsink, which keeps its last sample until the next pull but never
// touches the data. The appsink's streaming thread drops its own reference
// just after queueing the buffer, so this waits up to spin_us for that; a
// decoder keeping the frame as a reference holds it longer, and then the
// frame is copied.
static int dsgo_exclusive(GstBuffer *b, gint64 spin_us) {
	for (guint i = 0; i < gst_buffer_n_memory(b); i++) {
		GstMemory *m = gst_buffer_peek_memory(b, i);
		if (GST_MINI_OBJECT_REFCOUNT_VALUE(m) != 1 || GST_MEMORY_IS_READONLY(m) || m->parent != NULL) return 0;
	}
	gint64 end = 0;
	while (GST_MINI_OBJECT_REFCOUNT_VALUE(b) > 2) {
		gint64 now = g_get_monotonic_time();
		if (end == 0) end = now + spin_us;
		if (now >= end) return 0;
		g_thread_yield();
	}
	return 1;
}

// dsgo_pull takes the next sample (or the preroll sample) from an appsink,
// waiting up to timeout. When the sample's caps differ from last, *caps
// gets a new reference to them. The buffer is held and mapped. It returns NULL on timeout or EOS.
static dsgo_frame *dsgo_pull(GstElement *sink, GstClockTime timeout, int preroll,
		GstCaps *last, GstCaps **caps, GstVideoInfo *vinfo, gint64 spin_us) {
	GstSample *s = preroll ? gst_app_sink_try_pull_preroll(GST_APP_SINK(sink), timeout)
	                       : gst_app_sink_try_pull_sample(GST_APP_SINK(sink), timeout);
	if (s == NULL) return NULL;
	GstCaps *c = gst_sample_get_caps(s);
	if (c != NULL && (last == NULL || !gst_caps_is_equal(c, last))) {
		*caps = gst_caps_ref(c);
		if (vinfo != NULL && !gst_video_info_from_caps(vinfo, c)) gst_video_info_init(vinfo);
	}
	GstBuffer *b = gst_sample_get_buffer(s);
	if (b == NULL) { gst_sample_unref(s); return NULL; }
	gst_buffer_ref(b);
	// GStreamer timestamps mean something only with their segment (an
	// encoder may start its segment at 1000 hours): hand dsgo running
	// times, the timeline of its own segment that starts at zero.
	GstClockTime pts = GST_BUFFER_PTS(b), dts = GST_BUFFER_DTS(b);
	const GstSegment *seg = gst_sample_get_segment(s);
	if (seg != NULL && seg->format == GST_FORMAT_TIME && GST_CLOCK_TIME_IS_VALID(pts)) {
		guint64 rt = gst_segment_to_running_time(seg, GST_FORMAT_TIME, pts);
		if (GST_CLOCK_TIME_IS_VALID(rt)) {
			gint64 shift = (gint64)pts - (gint64)rt;
			pts = rt;
			if (GST_CLOCK_TIME_IS_VALID(dts)) dts = (gint64)dts - shift < 0 ? 0 : (GstClockTime)((gint64)dts - shift);
		}
	}
	gst_sample_unref(s);
	if (vinfo != NULL && GST_VIDEO_INFO_FORMAT(vinfo) != GST_VIDEO_FORMAT_UNKNOWN &&
	    dsgo_layout_differs(b, vinfo)) b = dsgo_relayout(b, vinfo);
	dsgo_frame *f = g_new0(dsgo_frame, 1);
	f->writable = dsgo_exclusive(b, spin_us);
	if (!gst_buffer_map(b, &f->map, GST_MAP_READ)) { gst_buffer_unref(b); g_free(f); return NULL; }
	f->buf = b;
	f->pts = dsgo_time(pts);
	f->dts = dsgo_time(dts);
	f->dur = dsgo_time(GST_BUFFER_DURATION(b));
	f->offset = GST_BUFFER_OFFSET(b);
	f->flags = GST_BUFFER_FLAGS(b);
	return f;
}

// dsgo_keep_field keeps the fields whose types dsgo caps can hold.
static gboolean dsgo_keep_field(GQuark field, GValue *v, gpointer data) {
	GType t = G_VALUE_TYPE(v);
	return t == G_TYPE_INT || t == G_TYPE_UINT || t == G_TYPE_STRING || t == G_TYPE_BOOLEAN ||
		t == G_TYPE_DOUBLE || t == GST_TYPE_FRACTION || t == GST_TYPE_INT_RANGE ||
		t == GST_TYPE_FRACTION_RANGE;
}

// dsgo_caps_string returns caps as text without the fields dsgo caps
// cannot hold (buffers, flags, enums); free it with g_free.
static gchar *dsgo_caps_string(GstCaps *c) {
	GstCaps *k = gst_caps_copy(c);
	for (guint i = 0; i < gst_caps_get_size(k); i++)
		gst_structure_filter_and_map_in_place(gst_caps_get_structure(k, i), dsgo_keep_field, NULL);
	gchar *s = gst_caps_to_string(k);
	gst_caps_unref(k);
	return s;
}

static void dsgo_frame_free(dsgo_frame *f) {
	gst_buffer_unmap(f->buf, &f->map);
	gst_buffer_unref(f->buf);
	g_free(f);
}

static int dsgo_appsink_eos(GstElement *sink) { return gst_app_sink_is_eos(GST_APP_SINK(sink)); }

extern void dsgoReleaseHandle(uintptr_t h);
static void dsgo_release_go(gpointer p) { dsgoReleaseHandle((uintptr_t)p); }

// dsgo_push wraps data (kept alive by handle until GStreamer frees the
// buffer) into a read-only buffer and pushes it into an appsrc.
static GstFlowReturn dsgo_push(GstElement *src, void *data, gsize size, uintptr_t handle,
		gint64 pts, gint64 dts, gint64 dur, guint64 offset, guint flags) {
	GstBuffer *b;
	if (size == 0) {
		b = gst_buffer_new();
		dsgo_release_go((gpointer)handle);
	} else {
		b = gst_buffer_new_wrapped_full(GST_MEMORY_FLAG_READONLY, data, size, 0, size,
			(gpointer)handle, dsgo_release_go);
	}
	GST_BUFFER_PTS(b) = pts < 0 ? GST_CLOCK_TIME_NONE : (GstClockTime)pts;
	GST_BUFFER_DTS(b) = dts < 0 ? GST_CLOCK_TIME_NONE : (GstClockTime)dts;
	GST_BUFFER_DURATION(b) = dur < 0 ? GST_CLOCK_TIME_NONE : (GstClockTime)dur;
	GST_BUFFER_OFFSET(b) = offset;
	GST_BUFFER_FLAGS(b) = flags;
	return gst_app_src_push_buffer(GST_APP_SRC(src), b);
}

static int dsgo_set_appsrc_caps(GstElement *src, const char *s) {
	GstCaps *c = gst_caps_from_string(s);
	if (c == NULL) return 0;
	gst_app_src_set_caps(GST_APP_SRC(src), c);
	gst_caps_unref(c);
	return 1;
}

static GstFlowReturn dsgo_end_of_stream(GstElement *src) {
	return gst_app_src_end_of_stream(GST_APP_SRC(src));
}

static guint64 dsgo_appsrc_level(GstElement *src) {
	return gst_app_src_get_current_level_buffers(GST_APP_SRC(src));
}

// dsgo_source_opts are the settings applied to uridecodebin's source.
typedef struct {
	gint latency;   // ms, -1: leave
	gint protocols; // GstRTSPLowerTrans flags, 0: leave
} dsgo_source_opts;

static void dsgo_on_source_setup(GstElement *bin, GstElement *source, gpointer data) {
	dsgo_source_opts *o = data;
	GObjectClass *k = G_OBJECT_GET_CLASS(source);
	if (o->latency >= 0 && g_object_class_find_property(k, "latency") != NULL)
		g_object_set(source, "latency", (guint)o->latency, NULL);
	if (o->protocols != 0 && g_object_class_find_property(k, "protocols") != NULL)
		g_object_set(source, "protocols", (guint)o->protocols, NULL);
}

static void dsgo_connect_source_setup(GstElement *dec, gint latency, gint protocols) {
	dsgo_source_opts *o = g_new0(dsgo_source_opts, 1);
	o->latency = latency;
	o->protocols = protocols;
	g_signal_connect_data(dec, "source-setup", G_CALLBACK(dsgo_on_source_setup), o,
		(GClosureNotify)g_free, 0);
}

static GstStateChangeReturn dsgo_set_state(GstElement *e, int state) {
	return gst_element_set_state(e, (GstState)state);
}

static void dsgo_post_quit(GstElement *pipe) {
	GstStructure *s = gst_structure_new_empty("dsgo-quit");
	gst_element_post_message(pipe, gst_message_new_application(GST_OBJECT(pipe), s));
}

static const char *dsgo_msg_src(GstMessage *m) {
	return GST_MESSAGE_SRC(m) != NULL ? GST_OBJECT_NAME(GST_MESSAGE_SRC(m)) : NULL;
}

// dsgo_paused_task looks at the streaming tasks of every pad in a bin:
// *started counts the running ones, and the name of an element with a
// paused task (one that stopped streaming) is returned (g_free it), or NULL.
static gchar *dsgo_paused_task(GstElement *bin, int *started) {
	gchar *paused = NULL;
	GValue ev = G_VALUE_INIT;
	GstIterator *it = gst_bin_iterate_recurse(GST_BIN(bin));
	while (gst_iterator_next(it, &ev) == GST_ITERATOR_OK) {
		GstElement *e = g_value_get_object(&ev);
		GValue pv = G_VALUE_INIT;
		GstIterator *pit = gst_element_iterate_pads(e);
		while (gst_iterator_next(pit, &pv) == GST_ITERATOR_OK) {
			switch (gst_pad_get_task_state(g_value_get_object(&pv))) {
			case GST_TASK_STARTED: (*started)++; break;
			case GST_TASK_PAUSED: if (paused == NULL) paused = gst_element_get_name(e); break;
			default: break;
			}
			g_value_reset(&pv);
		}
		g_value_unset(&pv);
		gst_iterator_free(pit);
		g_value_reset(&ev);
	}
	g_value_unset(&ev);
	gst_iterator_free(it);
	return paused;
}

static int dsgo_vinfo_format(GstVideoInfo *v) { return GST_VIDEO_INFO_FORMAT(v); }
static const char *dsgo_vinfo_format_name(GstVideoInfo *v) {
	return gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(v));
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"

	"github.com/dsgo/dsgo/pipeline"
	"github.com/dsgo/dsgo/video"
)

// cframe is a held, mapped GStreamer buffer whose bytes a dsgo buffer
// uses without copying; releasing the dsgo memory unmaps and unrefs it.
type cframe C.dsgo_frame

// ReleaseMemory gives the GStreamer buffer back.
func (f *cframe) ReleaseMemory(*pipeline.Memory) { C.dsgo_frame_free((*C.dsgo_frame)(f)) }

func (f *cframe) bytes() []byte {
	return unsafe.Slice((*byte)(f._map.data), int(f._map.size))
}

// stamp copies the GStreamer buffer's timestamps and flags onto b.
func (f *cframe) stamp(b *pipeline.Buffer) {
	b.PTS = pipeline.ClockTime(f.pts)
	b.DTS = pipeline.ClockTime(f.dts)
	b.Duration = pipeline.ClockTime(f.dur)
	if f.offset != C.GST_BUFFER_OFFSET_NONE {
		b.Offset = uint64(f.offset)
	}
	b.Flags = 0
	if f.flags&C.GST_BUFFER_FLAG_DISCONT != 0 {
		b.Flags |= pipeline.BufferFlagDiscont
	}
	if f.flags&C.GST_BUFFER_FLAG_DELTA_UNIT != 0 {
		b.Flags |= pipeline.BufferFlagDeltaUnit
	}
	if f.flags&C.GST_BUFFER_FLAG_GAP != 0 {
		b.Flags |= pipeline.BufferFlagGap
	}
	if f.flags&C.GST_BUFFER_FLAG_LIVE != 0 {
		b.Flags |= pipeline.BufferFlagLive
	}
}

// gstFlags converts dsgo buffer flags to GStreamer's.
func gstFlags(f pipeline.BufferFlags) C.guint {
	var g C.guint
	if f&pipeline.BufferFlagDiscont != 0 {
		g |= C.GST_BUFFER_FLAG_DISCONT
	}
	if f&pipeline.BufferFlagDeltaUnit != 0 {
		g |= C.GST_BUFFER_FLAG_DELTA_UNIT
	}
	if f&pipeline.BufferFlagGap != 0 {
		g |= C.GST_BUFFER_FLAG_GAP
	}
	return g
}

// pulled is one sample taken from an appsink.
type pulled struct {
	frame *cframe
	caps  string // new caps in GStreamer syntax (fields dsgo can hold), "" when unchanged
}

// sinkReader pulls samples from an appsink and remembers the caps.
type sinkReader struct {
	sink     *C.GstElement
	last     *C.GstCaps
	lastText string // last caps in GStreamer syntax
	misses   int    // frames in a row that had to be copied
	vinfo    C.GstVideoInfo
}

func newSinkReader(sink unsafe.Pointer) *sinkReader {
	r := &sinkReader{sink: (*C.GstElement)(sink)}
	C.gst_video_info_init(&r.vinfo)
	return r
}

// pull waits up to timeout for a sample; ok is false on timeout or EOS.
func (r *sinkReader) pull(timeout pipeline.ClockTime, preroll bool) (p pulled, ok bool) {
	var caps *C.GstCaps
	pre := C.int(0)
	if preroll {
		pre = 1
	}
	spin := C.gint64(0)
	if r.misses < 8 {
		spin = 200 // µs
	}
	f := C.dsgo_pull(r.sink, C.GstClockTime(timeout), pre, r.last, &caps, &r.vinfo, spin)
	if caps != nil {
		if r.last != nil {
			C.gst_caps_unref(r.last)
		}
		r.last = caps
		s := C.dsgo_caps_string(caps)
		p.caps = C.GoString(s)
		C.g_free(C.gpointer(s))
		r.lastText = p.caps
	}
	if f == nil {
		return p, p.caps != ""
	}
	p.frame = (*cframe)(f)
	if f.writable != 0 {
		r.misses = 0
	} else if r.misses < 8 {
		r.misses++ // a decoder holds its frames: stop waiting for them
	}
	return p, true
}

// capsString returns the current caps in GStreamer syntax.
func (r *sinkReader) capsString() string { return r.lastText }

func (r *sinkReader) eos() bool { return C.dsgo_appsink_eos(r.sink) != 0 }

// close drops the remembered caps.
func (r *sinkReader) close() {
	if r.last != nil {
		C.gst_caps_unref(r.last)
		r.last = nil
	}
}

// videoInfo returns the raw video layout of the current caps, or false
// when they are not raw video dsgo knows.
func (r *sinkReader) videoInfo() (video.Info, bool) {
	if C.dsgo_vinfo_format(&r.vinfo) == C.GST_VIDEO_FORMAT_UNKNOWN {
		return video.Info{}, false
	}
	f, err := video.ParseFormat(C.GoString(C.dsgo_vinfo_format_name(&r.vinfo)))
	if err != nil {
		return video.Info{}, false
	}
	in, err := video.NewInfo(f, int(r.vinfo.width), int(r.vinfo.height))
	if err != nil {
		return video.Info{}, false
	}
	in.FPS = pipeline.Fraction{Num: int(r.vinfo.fps_n), Den: int(r.vinfo.fps_d)}
	return in, int(r.vinfo.size) == in.Size
}

// handles keeps dsgo buffers (and their pinned bytes) alive while
// GStreamer holds buffers wrapping them.
var handles = struct {
	sync.Mutex
	next uintptr
	m    map[uintptr]*heldBuffer
}{next: 1, m: map[uintptr]*heldBuffer{}}

type heldBuffer struct {
	pin runtime.Pinner
	buf *pipeline.Buffer
}

var heldPool = sync.Pool{New: func() any { return new(heldBuffer) }}

//export dsgoReleaseHandle
func dsgoReleaseHandle(h C.uintptr_t) {
	handles.Lock()
	hb := handles.m[uintptr(h)]
	delete(handles.m, uintptr(h))
	handles.Unlock()
	if hb == nil {
		return
	}
	hb.pin.Unpin()
	hb.buf.Unref()
	hb.buf = nil
	heldPool.Put(hb)
}

// errNotHost is returned for buffers GStreamer elements cannot read.
var errNotHost = errors.New("GStreamer elements need buffers in system memory (got GPU memory)")

// pushBuffer hands a dsgo buffer to an appsrc without copying its bytes
// when it has one memory block; it takes ownership of buf.
func pushBuffer(src unsafe.Pointer, buf *pipeline.Buffer) (pipeline.FlowReturn, error) {
	var data []byte
	switch buf.NumMemory() {
	case 0:
	case 1:
		m := buf.Memory(0)
		if m.Type == pipeline.MemoryCUDA {
			buf.Unref()
			return pipeline.FlowError, errNotHost
		}
		data = m.Data[:m.Size]
	default:
		for i := 0; i < buf.NumMemory(); i++ {
			m := buf.Memory(i)
			if m.Type == pipeline.MemoryCUDA {
				buf.Unref()
				return pipeline.FlowError, errNotHost
			}
			data = append(data, m.Data[:m.Size]...)
		}
	}
	hb := heldPool.Get().(*heldBuffer)
	hb.buf = buf
	var ptr unsafe.Pointer
	if len(data) > 0 {
		ptr = unsafe.Pointer(unsafe.SliceData(data))
		hb.pin.Pin(ptr)
	}
	handles.Lock()
	h := handles.next
	handles.next++
	handles.m[h] = hb
	handles.Unlock()
	ret := C.dsgo_push((*C.GstElement)(src), ptr, C.gsize(len(data)), C.uintptr_t(h),
		C.gint64(buf.PTS), C.gint64(buf.DTS), C.gint64(buf.Duration), C.guint64(buf.Offset), gstFlags(buf.Flags))
	return flowReturn(ret), nil
}

// flowReturn converts a GStreamer flow return.
func flowReturn(r C.GstFlowReturn) pipeline.FlowReturn {
	switch r {
	case C.GST_FLOW_OK:
		return pipeline.FlowOK
	case C.GST_FLOW_FLUSHING:
		return pipeline.FlowFlushing
	case C.GST_FLOW_EOS:
		return pipeline.FlowEOS
	case C.GST_FLOW_NOT_LINKED:
		return pipeline.FlowNotLinked
	case C.GST_FLOW_NOT_NEGOTIATED:
		return pipeline.FlowNotNegotiated
	}
	return pipeline.FlowError
}

func setAppSrcCaps(src unsafe.Pointer, caps string) error {
	cs := C.CString(caps)
	defer C.free(unsafe.Pointer(cs))
	if C.dsgo_set_appsrc_caps((*C.GstElement)(src), cs) == 0 {
		return fmt.Errorf("GStreamer cannot parse caps %q", caps)
	}
	return nil
}

func endOfStream(src unsafe.Pointer) { C.dsgo_end_of_stream((*C.GstElement)(src)) }

// stateChange is the result of a GStreamer state change.
type stateChange int

const (
	stateFailure   stateChange = C.GST_STATE_CHANGE_FAILURE
	stateSuccess   stateChange = C.GST_STATE_CHANGE_SUCCESS
	stateAsync     stateChange = C.GST_STATE_CHANGE_ASYNC
	stateNoPreroll stateChange = C.GST_STATE_CHANGE_NO_PREROLL
)

// GStreamer states.
const (
	gstNull    = C.GST_STATE_NULL
	gstReady   = C.GST_STATE_READY
	gstPaused  = C.GST_STATE_PAUSED
	gstPlaying = C.GST_STATE_PLAYING
)

func setState(e unsafe.Pointer, state int) stateChange {
	return stateChange(C.dsgo_set_state((*C.GstElement)(e), C.int(state)))
}

// pausedTask returns the name of an element of the pipeline whose
// streaming task stopped (paused), or "" when any task still runs.
func pausedTask(pipe unsafe.Pointer) string {
	var started C.int
	n := C.dsgo_paused_task((*C.GstElement)(pipe), &started)
	if n == nil {
		return ""
	}
	defer C.g_free(C.gpointer(n))
	if started > 0 {
		return ""
	}
	return C.GoString(n)
}

// messageSource returns the name of the object that posted a message.
func messageSource(m unsafe.Pointer) string {
	n := C.dsgo_msg_src((*C.GstMessage)(m))
	if n == nil {
		return "(unknown)"
	}
	return C.GoString(n)
}

func postQuit(pipe unsafe.Pointer) { C.dsgo_post_quit((*C.GstElement)(pipe)) }

func connectSourceSetup(dec unsafe.Pointer, latency, protocols int) {
	C.dsgo_connect_source_setup((*C.GstElement)(dec), C.gint(latency), C.gint(protocols))
}
