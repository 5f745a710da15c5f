package rtsp

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v5"
	"github.com/bluenviron/gortsplib/v5/pkg/base"
	"github.com/bluenviron/gortsplib/v5/pkg/format"
)

func TestSplitAnnexB(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want [][]byte
	}{
		{"empty", nil, nil},
		{"no start code", []byte{9, 9, 9}, nil},
		{"4-byte codes", []byte{0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3}, [][]byte{{0x67, 1, 2}, {0x68, 3}}},
		{"3-byte codes and junk", []byte{7, 0, 0, 1, 0x65, 0, 3, 0, 0, 1, 0x41}, [][]byte{{0x65, 0, 3}, {0x41}}},
		{"trailing zeros and empty units", []byte{0, 0, 1, 0, 0, 1, 0x09, 0xf0, 0, 0, 0, 0, 0, 1, 0x65, 0, 0}, [][]byte{{0x09, 0xf0}, {0x65}}},
	}
	for _, tt := range tests {
		got := SplitAnnexB(tt.in)
		if len(got) != len(tt.want) {
			t.Errorf("%s: SplitAnnexB = %x; want %x", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if !bytes.Equal(got[i], tt.want[i]) {
				t.Errorf("%s: unit %d = %x; want %x", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

// describe asks srv for the SDP of path with gortsplib's client.
func describe(t *testing.T, url string) (*format.H264, error) {
	t.Helper()
	u, err := base.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := &gortsplib.Client{Scheme: u.Scheme, Host: u.Host}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	desc, _, err := c.Describe(u)
	if err != nil {
		return nil, err
	}
	var f *format.H264
	if desc.FindFormat(&f) == nil {
		t.Fatalf("DESCRIBE %s: no H264 format in %+v", url, desc)
	}
	return f, nil
}

func TestStreamParameterSetsAndSkipping(t *testing.T) {
	needMedia(t)
	base := runtime.NumGoroutine()
	srv := newTestServer(t, Config{DescribeWait: -1})
	st, err := srv.NewStream("ds-test/", H264)
	if err != nil {
		t.Fatal(err)
	}
	if st.Path() != "/ds-test" || st.URL() != "rtsp://"+srv.Addr()+"/ds-test" {
		t.Errorf("path %q, URL %q", st.Path(), st.URL())
	}
	if _, err := srv.NewStream("/ds-test", H265); err == nil {
		t.Error("a second stream at /ds-test was accepted")
	}
	if f, err := describe(t, st.URL()); err != nil || f.SPS != nil {
		t.Fatalf("DESCRIBE before data: SPS %x, err %v; want no SPS", f.SPS, err)
	}
	raw, err := os.ReadFile(media.h264Raw)
	if err != nil {
		t.Fatal(err)
	}
	aus := accessUnits(raw, H264)
	if len(aus) != 60 {
		t.Fatalf("split %d access units from the clip; want 60", len(aus))
	}
	// Start on a P frame: it and the rest of its GOP cannot be decoded.
	for i, au := range aus[1:17] {
		if err := st.WriteAccessUnit(time.Duration(i)*time.Second/30, SplitAnnexB(au)); err != nil {
			t.Fatal(err)
		}
	}
	if w, s := st.Counts(); w != 2 || s != 14 {
		t.Errorf("written %d, skipped %d; want 2 and 14 (frames 15 and 16 after the key frame at 15)", w, s)
	}
	f, err := describe(t, st.URL())
	if err != nil || len(f.SPS) == 0 || len(f.PPS) == 0 {
		t.Fatalf("DESCRIBE after a key frame: SPS %x PPS %x err %v; want both", f.SPS, f.PPS, err)
	}
	if _, err := describe(t, "rtsp://"+srv.Addr()+"/nothing"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("DESCRIBE of an unknown path: %v; want 404", err)
	}
	st.Close()
	if err := st.WriteAccessUnit(0, SplitAnnexB(aus[0])); !errors.Is(err, ErrStreamClosed) {
		t.Errorf("write after Close = %v; want ErrStreamClosed", err)
	}
	srv.Close()
	if _, err := srv.NewStream("/x", H264); !errors.Is(err, ErrServerClosed) {
		t.Errorf("NewStream after Close = %v; want ErrServerClosed", err)
	}
	checkGoroutines(t, base)
}

func TestServerPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, err = NewServer(Config{Addr: addr})
	if err == nil || !strings.Contains(err.Error(), addr) || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("NewServer on a busy port = %v; want an error naming %s", err, addr)
	}
	srv := newTestServer(t, Config{})
	rtp, _ := srv.UDPPorts()
	_, err = NewServer(Config{UDPRTPPort: rtp, Addr: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "UDP") {
		t.Fatalf("NewServer on a busy UDP port = %v; want an error naming UDP", err)
	}
}

func TestServeFile(t *testing.T) {
	needMedia(t)
	base := runtime.NumGoroutine()
	for _, tt := range []struct {
		codec Codec
		file  *string
	}{{H264, &media.h264MP4}, {H265, &media.h265MP4}} {
		t.Run(tt.codec.String(), func(t *testing.T) {
			srv := newTestServer(t, Config{})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- ServeFile(ctx, srv, "/stream", *tt.file, true) }()
			url := srv.URL("/stream")
			mustPlay(t, url, "tcp", tt.codec, 30)
			mustPlay(t, url, "udp", tt.codec, 30)
			if tt.codec == H264 {
				probe(t, url)
			}
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("ServeFile after cancel = %v; want context.Canceled", err)
			}
			if srv.Stream("/stream") != nil {
				t.Error("ServeFile left its stream on the server")
			}
		})
	}
	checkGoroutines(t, base)
}
