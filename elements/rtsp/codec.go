package rtsp

import (
	"bytes"
	"fmt"

	"github.com/bluenviron/gortsplib/v5/pkg/format"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v5/pkg/format/rtph265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/pion/rtp"
)

// Codec is the video codec of a Stream.
type Codec int

// Codecs a Stream can carry.
const (
	H264 Codec = iota + 1 // H.264/AVC, RFC 6184 packetization mode 1
	H265                  // H.265/HEVC, RFC 7798
)

// String returns the codec's name as SDP writes it.
func (c Codec) String() string {
	switch c {
	case H264:
		return "H264"
	case H265:
		return "H265"
	}
	return fmt.Sprintf("Codec(%d)", int(c))
}

// payloadType is the dynamic RTP payload type of every stream.
const payloadType = 96

// packer keeps a stream's parameter sets and turns access units into RTP
// packets for one codec. Its methods are called under the stream's lock.
type packer interface {
	// format returns the SDP format; its parameter sets are updated in
	// place by prepare and published by ServerStream.ReloadDesc.
	format() format.Format
	// prepare drops delimiters and filler data, records parameter sets
	// and puts them in front of a random-access unit that lacks them. It
	// reports whether au is a random-access point and whether the
	// parameter sets changed.
	prepare(au [][]byte) (out [][]byte, key, changed bool)
	// ready reports whether every parameter set has been seen.
	ready() bool
	// encode packs an access unit into RTP packets (timestamps unset).
	encode(au [][]byte) ([]*rtp.Packet, error)
}

func newPacker(c Codec) (packer, error) {
	switch c {
	case H264:
		f := &format.H264{PayloadTyp: payloadType, PacketizationMode: 1}
		enc, err := f.CreateEncoder()
		if err != nil {
			return nil, fmt.Errorf("H264 RTP encoder: %w", err)
		}
		return &h264Packer{f: f, enc: enc}, nil
	case H265:
		f := &format.H265{PayloadTyp: payloadType}
		enc, err := f.CreateEncoder()
		if err != nil {
			return nil, fmt.Errorf("H265 RTP encoder: %w", err)
		}
		return &h265Packer{f: f, enc: enc}, nil
	}
	return nil, fmt.Errorf("unsupported codec %v", c)
}

// setParam stores a copy of n in *dst and reports whether it differed.
func setParam(dst *[]byte, n []byte) bool {
	if bytes.Equal(*dst, n) {
		return false
	}
	*dst = bytes.Clone(n)
	return true
}

// withParams returns au with params first and any parameter set of au
// (isParam) removed, so that a random-access unit carries all of them in
// decoding order.
func withParams(au [][]byte, params [][]byte, isParam func([]byte) bool) [][]byte {
	out := make([][]byte, 0, len(au)+len(params))
	out = append(out, params...)
	for _, n := range au {
		if !isParam(n) {
			out = append(out, n)
		}
	}
	return out
}

type h264Packer struct {
	f        *format.H264
	enc      *rtph264.Encoder
	sps, pps []byte
}

func (p *h264Packer) format() format.Format { return p.f }

func (p *h264Packer) ready() bool { return p.sps != nil && p.pps != nil }

func (p *h264Packer) encode(au [][]byte) ([]*rtp.Packet, error) { return p.enc.Encode(au) }

func h264Type(n []byte) h264.NALUType { return h264.NALUType(n[0] & 0x1f) }

func (p *h264Packer) prepare(au [][]byte) ([][]byte, bool, bool) {
	out := au[:0:0]
	var key, changed, hasSPS, hasPPS bool
	for _, n := range au {
		switch h264Type(n) {
		case h264.NALUTypeAccessUnitDelimiter, h264.NALUTypeFillerData:
			continue
		case h264.NALUTypeSPS:
			hasSPS = true
			changed = setParam(&p.sps, n) || changed
		case h264.NALUTypePPS:
			hasPPS = true
			changed = setParam(&p.pps, n) || changed
		case h264.NALUTypeIDR:
			key = true
		}
		out = append(out, n)
	}
	if changed {
		p.f.SPS, p.f.PPS = p.sps, p.pps
	}
	if key && (!hasSPS || !hasPPS) && p.ready() {
		out = withParams(out, [][]byte{p.sps, p.pps}, func(n []byte) bool {
			t := h264Type(n)
			return t == h264.NALUTypeSPS || t == h264.NALUTypePPS
		})
	}
	return out, key, changed
}

type h265Packer struct {
	f             *format.H265
	enc           *rtph265.Encoder
	vps, sps, pps []byte
}

func (p *h265Packer) format() format.Format { return p.f }

func (p *h265Packer) ready() bool { return p.vps != nil && p.sps != nil && p.pps != nil }

func (p *h265Packer) encode(au [][]byte) ([]*rtp.Packet, error) { return p.enc.Encode(au) }

func h265Type(n []byte) h265.NALUType { return h265.NALUType((n[0] >> 1) & 0x3f) }

func (p *h265Packer) prepare(au [][]byte) ([][]byte, bool, bool) {
	out := au[:0:0]
	var key, changed bool
	var has [3]bool // VPS, SPS, PPS
	for _, n := range au {
		if len(n) < 2 {
			continue // an H.265 NAL unit header is two bytes
		}
		switch t := h265Type(n); t {
		case h265.NALUType_AUD_NUT, h265.NALUType_FD_NUT:
			continue
		case h265.NALUType_VPS_NUT:
			has[0] = true
			changed = setParam(&p.vps, n) || changed
		case h265.NALUType_SPS_NUT:
			has[1] = true
			changed = setParam(&p.sps, n) || changed
		case h265.NALUType_PPS_NUT:
			has[2] = true
			changed = setParam(&p.pps, n) || changed
		case h265.NALUType_IDR_W_RADL, h265.NALUType_IDR_N_LP, h265.NALUType_CRA_NUT:
			key = true
		}
		out = append(out, n)
	}
	if changed {
		p.f.VPS, p.f.SPS, p.f.PPS = p.vps, p.sps, p.pps
	}
	if key && !(has[0] && has[1] && has[2]) && p.ready() {
		out = withParams(out, [][]byte{p.vps, p.sps, p.pps}, func(n []byte) bool {
			t := h265Type(n)
			return t == h265.NALUType_VPS_NUT || t == h265.NALUType_SPS_NUT || t == h265.NALUType_PPS_NUT
		})
	}
	return out, key, changed
}
