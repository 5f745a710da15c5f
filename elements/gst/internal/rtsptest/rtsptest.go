//go:build !nogst

// Package rtsptest runs a GStreamer RTSP server (gst-rtsp-server) on
// 127.0.0.1 for tests of RTSP clients.
package rtsptest

/*
#cgo pkg-config: gstreamer-rtsp-server-1.0
#include <stdlib.h>
#include <gst/rtsp-server/rtsp-server.h>

typedef struct {
	GMainContext *ctx;
	GMainLoop *loop;
	GstRTSPServer *srv;
	guint id;
} dsgo_rtsp;

static dsgo_rtsp *dsgo_rtsp_new(const char *service, const char *path, const char *launch) {
	gst_init(NULL, NULL);
	dsgo_rtsp *r = g_new0(dsgo_rtsp, 1);
	r->ctx = g_main_context_new();
	r->loop = g_main_loop_new(r->ctx, FALSE);
	r->srv = gst_rtsp_server_new();
	gst_rtsp_server_set_address(r->srv, "127.0.0.1");
	gst_rtsp_server_set_service(r->srv, service);
	GstRTSPMountPoints *m = gst_rtsp_server_get_mount_points(r->srv);
	GstRTSPMediaFactory *f = gst_rtsp_media_factory_new();
	gst_rtsp_media_factory_set_launch(f, launch);
	gst_rtsp_media_factory_set_shared(f, TRUE);
	gst_rtsp_mount_points_add_factory(m, path, f);
	g_object_unref(m);
	r->id = gst_rtsp_server_attach(r->srv, r->ctx);
	if (r->id == 0) {
		g_object_unref(r->srv);
		g_main_loop_unref(r->loop);
		g_main_context_unref(r->ctx);
		g_free(r);
		return NULL;
	}
	return r;
}

static int dsgo_rtsp_port(dsgo_rtsp *r) { return gst_rtsp_server_get_bound_port(r->srv); }

static void dsgo_rtsp_run(dsgo_rtsp *r) { g_main_loop_run(r->loop); }

static GstRTSPFilterResult dsgo_rtsp_drop(GstRTSPServer *s, GstRTSPClient *c, gpointer d) {
	return GST_RTSP_FILTER_REMOVE;
}

static gboolean dsgo_rtsp_shutdown(gpointer data) {
	dsgo_rtsp *r = data;
	GSource *src = g_main_context_find_source_by_id(r->ctx, r->id);
	if (src != NULL) g_source_destroy(src);
	gst_rtsp_server_client_filter(r->srv, dsgo_rtsp_drop, NULL);
	g_main_loop_quit(r->loop);
	return G_SOURCE_REMOVE;
}

static void dsgo_rtsp_stop(dsgo_rtsp *r) { g_main_context_invoke(r->ctx, dsgo_rtsp_shutdown, r); }

static void dsgo_rtsp_free(dsgo_rtsp *r) {
	GstRTSPSessionPool *pool = gst_rtsp_server_get_session_pool(r->srv);
	gst_rtsp_session_pool_cleanup(pool);
	g_object_unref(pool);
	g_object_unref(r->srv);
	while (g_main_context_iteration(r->ctx, FALSE));
	g_main_loop_unref(r->loop);
	g_main_context_unref(r->ctx);
	g_free(r);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

// H264 is a media launch line: live test video as H.264 over RTP.
const H264 = "( videotestsrc is-live=true ! video/x-raw,format=I420,width=320,height=240,framerate=30/1 ! " +
	"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! rtph264pay name=pay0 pt=96 )"

// Server is a running RTSP server.
type Server struct {
	r    *C.dsgo_rtsp
	done chan struct{}
	once sync.Once
	Port int
}

// Start serves launch (a gst-rtsp-server media launch line) at path on
// port (0 for any free port).
func Start(port int, path, launch string) (*Server, error) {
	cs, cp, cl := C.CString(fmt.Sprint(port)), C.CString(path), C.CString(launch)
	defer C.free(unsafe.Pointer(cs))
	defer C.free(unsafe.Pointer(cp))
	defer C.free(unsafe.Pointer(cl))
	r := C.dsgo_rtsp_new(cs, cp, cl)
	if r == nil {
		return nil, fmt.Errorf("rtsptest: cannot listen on port %d", port)
	}
	s := &Server{r: r, done: make(chan struct{}), Port: int(C.dsgo_rtsp_port(r))}
	go func() {
		defer close(s.done)
		C.dsgo_rtsp_run(r)
	}()
	return s, nil
}

// URL returns the rtsp:// URL of path.
func (s *Server) URL(path string) string { return fmt.Sprintf("rtsp://127.0.0.1:%d%s", s.Port, path) }

// Close disconnects every client and stops listening; it is safe to call
// more than once.
func (s *Server) Close() {
	s.once.Do(func() {
		C.dsgo_rtsp_stop(s.r)
		<-s.done
		C.dsgo_rtsp_free(s.r)
	})
}
