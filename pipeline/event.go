package pipeline

import (
	"fmt"
	"time"
)

// EventType identifies an event. Its flags say which way it travels and
// whether it is serialized with data and sticky on pads.
type EventType uint32

const (
	evUpstream   = 1 << 8
	evDownstream = 1 << 9
	evSerialized = 1 << 10
	evSticky     = 1 << 11
)

// Event types, as GStreamer's. Custom types carry a Structure.
const (
	EventFlushStart            EventType = 1 | evUpstream | evDownstream
	EventFlushStop             EventType = 2 | evDownstream | evSerialized
	EventStreamStart           EventType = 3 | evDownstream | evSerialized | evSticky
	EventCaps                  EventType = 4 | evDownstream | evSerialized | evSticky
	EventSegment               EventType = 5 | evDownstream | evSerialized | evSticky
	EventEOS                   EventType = 6 | evDownstream | evSerialized | evSticky
	EventQoS                   EventType = 7 | evUpstream
	EventLatency               EventType = 8 | evUpstream
	EventReconfigure           EventType = 9 | evUpstream
	EventCustomDownstream      EventType = 10 | evDownstream | evSerialized
	EventCustomDownstreamOOB   EventType = 11 | evDownstream
	EventCustomDownstreamStick EventType = 12 | evDownstream | evSerialized | evSticky
	EventCustomUpstream        EventType = 13 | evUpstream
	EventGap                   EventType = 14 | evDownstream | evSerialized
)

// IsUpstream reports whether events of this type travel towards sources.
func (t EventType) IsUpstream() bool { return t&evUpstream != 0 }

// IsDownstream reports whether events of this type travel towards sinks.
func (t EventType) IsDownstream() bool { return t&evDownstream != 0 }

// IsSerialized reports whether events of this type keep their order with buffers.
func (t EventType) IsSerialized() bool { return t&evSerialized != 0 }

// IsSticky reports whether pads remember events of this type and replay
// them to peers linked later (stream-start, caps, segment, EOS).
func (t EventType) IsSticky() bool { return t&evSticky != 0 }

var eventNames = map[EventType]string{
	EventFlushStart: "flush-start", EventFlushStop: "flush-stop",
	EventStreamStart: "stream-start", EventCaps: "caps", EventSegment: "segment",
	EventEOS: "eos", EventQoS: "qos", EventLatency: "latency",
	EventReconfigure: "reconfigure", EventCustomDownstream: "custom-downstream",
	EventCustomDownstreamOOB: "custom-downstream-oob", EventCustomDownstreamStick: "custom-downstream-sticky",
	EventCustomUpstream: "custom-upstream", EventGap: "gap",
}

// String returns the event type's name.
func (t EventType) String() string {
	if n, ok := eventNames[t]; ok {
		return n
	}
	return fmt.Sprintf("event(%#x)", uint32(t))
}

// Format is the unit of a segment's positions.
type Format uint8

const (
	// FormatTime positions are nanoseconds.
	FormatTime Format = iota
	// FormatBytes positions are byte offsets.
	FormatBytes
	// FormatDefault positions are in the media's natural unit (frames).
	FormatDefault
)

// Segment maps buffer timestamps to running time, the time the pipeline
// clock uses to schedule rendering.
type Segment struct {
	Format   Format
	Rate     float64
	Start    ClockTime // first timestamp of the segment
	Stop     ClockTime // NoTime for open-ended
	Time     ClockTime // stream time of Start
	Base     ClockTime // running time already elapsed before this segment
	Position ClockTime
}

// NewSegment returns an open-ended time segment starting at zero.
func NewSegment() Segment {
	return Segment{Format: FormatTime, Rate: 1, Stop: NoTime}
}

// RunningTime converts a timestamp in the segment to running time; it
// returns NoTime for timestamps outside the segment.
func (s *Segment) RunningTime(ts ClockTime) ClockTime {
	if ts == NoTime || ts < s.Start || (s.Stop != NoTime && ts > s.Stop) {
		return NoTime
	}
	rate := s.Rate
	if rate == 0 {
		rate = 1
	}
	if rate < 0 {
		return s.Base + ClockTime(float64(s.Stop-ts)/-rate)
	}
	return s.Base + ClockTime(float64(ts-s.Start)/rate)
}

// QoSType says why a QoS event was sent.
type QoSType uint8

const (
	// QoSOverflow means downstream is faster than real time.
	QoSOverflow QoSType = iota
	// QoSUnderflow means buffers arrive late: upstream should drop or go faster.
	QoSUnderflow
	// QoSThrottle means an element throttles on purpose.
	QoSThrottle
)

// Event is a serialized or out-of-band signal flowing through pads: stream
// boundaries, caps, segments, EOS, flushes, QoS and custom events (such as a
// per-source stream-EOS from a batching element).
type Event struct {
	Type      EventType
	Seqnum    uint32
	StreamID  string     // stream-start
	Caps      *Caps      // caps
	Segment   Segment    // segment
	ResetTime bool       // flush-stop: reset running time
	QoS       QoSEvent   // qos
	Latency   ClockTime  // latency
	Struct    *Structure // custom events
}

// QoSEvent is the payload of a QoS event.
type QoSEvent struct {
	Type       QoSType
	Proportion float64
	Diff       ClockTime // how late (positive) or early the buffer was
	Timestamp  ClockTime
}

// NewEOSEvent returns an end-of-stream event.
func NewEOSEvent() *Event { return &Event{Type: EventEOS} }

// NewStreamStartEvent returns a stream-start event for the given stream id.
func NewStreamStartEvent(id string) *Event { return &Event{Type: EventStreamStart, StreamID: id} }

// NewCapsEvent returns an event announcing the caps of the buffers that follow.
func NewCapsEvent(c *Caps) *Event { return &Event{Type: EventCaps, Caps: c} }

// NewSegmentEvent returns an event announcing a new segment.
func NewSegmentEvent(s Segment) *Event { return &Event{Type: EventSegment, Segment: s} }

// NewFlushStartEvent returns a flush-start event: pads drop data until flush-stop.
func NewFlushStartEvent() *Event { return &Event{Type: EventFlushStart} }

// NewFlushStopEvent returns a flush-stop event.
func NewFlushStopEvent(resetTime bool) *Event {
	return &Event{Type: EventFlushStop, ResetTime: resetTime}
}

// NewQoSEvent returns a QoS event sent upstream by a sink.
func NewQoSEvent(q QoSEvent) *Event { return &Event{Type: EventQoS, QoS: q} }

// NewLatencyEvent returns a latency event telling elements the pipeline latency.
func NewLatencyEvent(l ClockTime) *Event { return &Event{Type: EventLatency, Latency: l} }

// NewCustomEvent returns a custom event of type t (one of the
// EventCustom* types) carrying s.
func NewCustomEvent(t EventType, s *Structure) *Event { return &Event{Type: t, Struct: s} }

// String describes the event for logs.
func (e *Event) String() string {
	switch e.Type {
	case EventCaps:
		return "caps(" + e.Caps.String() + ")"
	case EventStreamStart:
		return "stream-start(" + e.StreamID + ")"
	}
	if e.Struct != nil {
		return e.Type.String() + "(" + e.Struct.Text() + ")"
	}
	return e.Type.String()
}

// QueryType identifies a query.
type QueryType uint8

// Query types.
const (
	// QueryCaps asks which caps a pad (and what is beyond it) can handle.
	QueryCaps QueryType = iota
	// QueryAcceptCaps asks whether a pad accepts fixed caps.
	QueryAcceptCaps
	// QueryLatency asks live elements for their latency.
	QueryLatency
	// QueryPosition asks for the current stream position.
	QueryPosition
	// QueryDuration asks for the stream duration.
	QueryDuration
	// QueryCustom carries a Structure for element-specific questions.
	QueryCustom
)

// Query is a question sent to a pad and answered in place: caps, latency,
// position, or a custom question.
type Query struct {
	Type QueryType
	// Filter restricts a caps query; Caps holds the answer, or the caps
	// to check in an accept-caps query.
	Filter *Caps
	Caps   *Caps
	// Accepted is the answer to an accept-caps query.
	Accepted bool
	// Latency query answers.
	Live                   bool
	MinLatency, MaxLatency time.Duration
	// Position and duration answers.
	Format Format
	Value  int64
	// Struct carries custom questions and answers.
	Struct *Structure
}

// FlowReturn is what a push returns: whether data may keep flowing.
type FlowReturn int8

// Flow returns, as GStreamer's.
const (
	FlowOK            FlowReturn = 0
	FlowNotLinked     FlowReturn = -1
	FlowFlushing      FlowReturn = -2
	FlowEOS           FlowReturn = -3
	FlowNotNegotiated FlowReturn = -4
	FlowError         FlowReturn = -5
)

// String returns the flow return's name.
func (f FlowReturn) String() string {
	switch f {
	case FlowOK:
		return "ok"
	case FlowNotLinked:
		return "not-linked"
	case FlowFlushing:
		return "flushing"
	case FlowEOS:
		return "eos"
	case FlowNotNegotiated:
		return "not-negotiated"
	case FlowError:
		return "error"
	}
	return fmt.Sprintf("flow(%d)", int(f))
}

// IsFatal reports whether the flow return stops the stream with an error
// (not-linked, not-negotiated, error), as opposed to flushing or EOS.
func (f FlowReturn) IsFatal() bool { return f == FlowNotLinked || f <= FlowNotNegotiated }

// BufferList is a group of buffers pushed in one call, to amortise the cost
// of a hop over many small buffers.
type BufferList struct {
	Buffers []*Buffer
}

// Unref drops every buffer of the list.
func (l *BufferList) Unref() {
	for _, b := range l.Buffers {
		b.Unref()
	}
	l.Buffers = l.Buffers[:0]
}
