// Command dsrtspserver serves the video of an MP4 file over RTSP in real
// time, looping, as an IP camera would. It is the camera stand-in for
// tests of RTSP sources: kill it and start it again to test reconnection.
//
//	dsrtspserver -file clip.mp4 [-addr 127.0.0.1:8554] [-path /stream] [-loop=false]
//
// The stream is at rtsp://ADDR/PATH, over TCP (interleaved) or UDP. The
// first H.264 or H.265 track of a progressive MP4 is served.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/dsgo/dsgo/elements/rtsp"
)

func main() {
	file := flag.String("file", "", "MP4 file with an H.264 or H.265 track (required)")
	addr := flag.String("addr", rtsp.DefaultAddr, "RTSP listen address, host:port")
	path := flag.String("path", "/stream", "path of the stream in the URL")
	loop := flag.Bool("loop", true, "start the file over at its end")
	udpPort := flag.Int("udp-port", 0, "UDP port for RTP, RTCP on the next one (0 = any free pair, -1 = TCP only)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: dsrtspserver -file clip.mp4 [flags]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *file == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(*file, *addr, *path, *loop, *udpPort); err != nil {
		log.Fatalf("dsrtspserver: %v", err)
	}
}

func run(file, addr, path string, loop bool, udpPort int) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := rtsp.NewServer(rtsp.Config{Addr: addr, UDPRTPPort: udpPort})
	if err != nil {
		return err
	}
	defer srv.Close()
	log.Printf("dsrtspserver: serving %s at %s", file, srv.URL(path))
	err = rtsp.ServeFile(ctx, srv, path, file, loop)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
