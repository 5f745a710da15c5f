package rtsp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/mp4/codecs"
	"github.com/bluenviron/mediacommon/v2/pkg/formats/pmp4"
)

// videoTrack is the track ServeFile plays: its codec, the parameter sets
// of its sample entry (avcC, hvcC) and its samples.
type videoTrack struct {
	codec  Codec
	params [][]byte
	track  *pmp4.Track
}

// openMP4 reads the sample tables of a progressive MP4 file and returns
// its first H.264 or H.265 track. The file stays open for the samples.
func openMP4(f *os.File) (*videoTrack, error) {
	var p pmp4.Presentation
	if err := p.Unmarshal(f); err != nil {
		return nil, fmt.Errorf("read MP4: %w", err)
	}
	for _, t := range p.Tracks {
		switch c := t.Codec.(type) {
		case *codecs.H264:
			return &videoTrack{codec: H264, params: [][]byte{c.SPS, c.PPS}, track: t}, nil
		case *codecs.H265:
			return &videoTrack{codec: H265, params: [][]byte{c.VPS, c.SPS, c.PPS}, track: t}, nil
		}
	}
	return nil, errors.New("no H.264 or H.265 track")
}

// ServeFile serves the first H.264 or H.265 track of a progressive MP4
// file at path of srv in real time, as a camera would: each sample is
// written at its decoding time, and with loop the file starts over at its
// end with timestamps that keep increasing. Parameter sets come from the
// track's sample entry. It returns ctx's error when ctx is done, nil at the
// end of the file without loop, or the first error (a closed server
// included). The stream is removed from srv on return.
func ServeFile(ctx context.Context, srv *Server, path, file string, loop bool) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("rtsp: serve file: %w", err)
	}
	defer f.Close()
	vt, err := openMP4(f)
	if err != nil {
		return fmt.Errorf("rtsp: serve %s: %w", file, err)
	}
	if len(vt.track.Samples) == 0 {
		return fmt.Errorf("rtsp: serve %s: the %v track has no samples", file, vt.codec)
	}
	st, err := srv.NewStream(path, vt.codec)
	if err != nil {
		return err
	}
	defer st.Close()
	p := &filePlayer{st: st, vt: vt, start: time.Now()}
	for {
		if err := p.playOnce(ctx); err != nil {
			return fmt.Errorf("rtsp: serve %s at %s: %w", file, st.path, err)
		}
		if !loop {
			return nil
		}
	}
}

// filePlayer paces the samples of a track against the wall clock.
type filePlayer struct {
	st     *Stream
	vt     *videoTrack
	start  time.Time     // wall time of the first sample's decoding time
	offset time.Duration // duration of the rounds already played
	sent   bool          // the sample entry's parameter sets were sent
	timer  *time.Timer
}

// ticks converts a time in the track's timescale to a duration.
func (p *filePlayer) ticks(v int64) time.Duration {
	ts := int64(p.vt.track.TimeScale)
	return time.Duration(v/ts)*time.Second + time.Duration(v%ts)*time.Second/time.Duration(ts)
}

// playOnce plays the track once, from its first sample to its last.
func (p *filePlayer) playOnce(ctx context.Context) error {
	var dts int64 // in the track's timescale
	for i, s := range p.vt.track.Samples {
		d := p.offset + p.ticks(dts)
		if err := p.sleepUntil(ctx, p.start.Add(d)); err != nil {
			return err
		}
		buf, err := s.GetPayload()
		if err != nil {
			return fmt.Errorf("sample %d: %w", i, err)
		}
		var au h264.AVCC // length-prefixed NAL units, as in H.265 tracks too
		if err := au.Unmarshal(buf); err != nil {
			return fmt.Errorf("sample %d: %w", i, err)
		}
		if !p.sent {
			au = append(append([][]byte(nil), p.vt.params...), au...)
			p.sent = true
		}
		if err := p.st.WriteAccessUnit(p.offset+p.ticks(dts+int64(s.PTSOffset)), au); err != nil {
			return err
		}
		dts += int64(s.Duration)
	}
	p.offset += p.ticks(dts)
	return nil
}

func (p *filePlayer) sleepUntil(ctx context.Context, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err()
	}
	if p.timer == nil {
		p.timer = time.NewTimer(d)
	} else {
		p.timer.Reset(d)
	}
	select {
	case <-p.timer.C:
		return nil
	case <-ctx.Done():
		p.timer.Stop()
		return ctx.Err()
	}
}
