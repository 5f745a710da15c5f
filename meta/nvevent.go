package meta

import "github.com/dsgo/dsgo/pipeline"

// Custom events that batching elements send downstream, as DeepStream's
// gst-nvevent.h: they tell per-source state changes inside one batched
// stream, which has one EOS of its own.
const (
	// EventStreamEOS says one source of the batch ended.
	EventStreamEOS = "nv-stream-eos"
	// EventPadAdded says a source joined the batch.
	EventPadAdded = "nv-pad-added"
	// EventPadDeleted says a source left the batch.
	EventPadDeleted = "nv-pad-deleted"
)

// NewSourceEvent returns a serialized downstream event of one of the
// kinds above for a source id.
func NewSourceEvent(kind string, sourceID int) *pipeline.Event {
	return pipeline.NewCustomEvent(pipeline.EventCustomDownstream,
		pipeline.NewStructure(kind, "source-id", sourceID))
}

// ParseSourceEvent returns the kind and source id of such an event.
func ParseSourceEvent(ev *pipeline.Event) (kind string, sourceID int, ok bool) {
	if ev == nil || ev.Type != pipeline.EventCustomDownstream || ev.Struct == nil {
		return "", 0, false
	}
	switch ev.Struct.Name {
	case EventStreamEOS, EventPadAdded, EventPadDeleted:
	default:
		return "", 0, false
	}
	id, ok := ev.Struct.Int("source-id")
	return ev.Struct.Name, id, ok
}
