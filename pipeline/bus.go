package pipeline

import (
	"context"
	"fmt"
	"sync"
)

// MessageType identifies a bus message; types are bits so that waits can
// filter on several at once.
type MessageType uint32

// Message types.
const (
	MessageEOS MessageType = 1 << iota
	MessageError
	MessageWarning
	MessageInfo
	MessageStateChanged
	MessageElement
	MessageStreamStatus
	MessageLatency
	MessageAsyncDone
	MessageStreamStart
	MessageQoS
	MessageApplication
)

// MessageAny matches every type in filters.
const MessageAny MessageType = ^MessageType(0)

var messageNames = []string{"eos", "error", "warning", "info", "state-changed", "element",
	"stream-status", "latency", "async-done", "stream-start", "qos", "application"}

// String returns the message type's name.
func (t MessageType) String() string {
	for i, n := range messageNames {
		if t == 1<<i {
			return n
		}
	}
	return fmt.Sprintf("message(%#x)", uint32(t))
}

// StreamStatus says whether a streaming goroutine started or ended.
type StreamStatus uint8

const (
	// StreamStatusEnter is posted when a streaming goroutine starts.
	StreamStatusEnter StreamStatus = iota
	// StreamStatusLeave is posted when it ends.
	StreamStatusLeave
)

// Message is posted by elements and read by the application from the
// pipeline's bus: errors and warnings naming their element, EOS, state
// changes, stream status, latency changes and custom element messages.
type Message struct {
	Type   MessageType
	Source Element
	// Err and Debug hold errors, warnings and infos.
	Err   error
	Debug string
	// State changes.
	OldState, NewState, PendingState State
	// Struct holds element and application messages.
	Struct *Structure
	// Status is set for stream-status messages.
	Status StreamStatus
}

// SourceName returns the name of the element that posted the message.
func (m *Message) SourceName() string {
	if m.Source == nil {
		return "(none)"
	}
	return m.Source.base().Name()
}

// String describes the message as dslaunch prints it.
func (m *Message) String() string {
	s := m.Type.String() + " from " + m.SourceName()
	switch m.Type {
	case MessageError, MessageWarning, MessageInfo:
		if m.Err != nil {
			s += ": " + m.Err.Error()
		}
		if m.Debug != "" {
			s += " (" + m.Debug + ")"
		}
	case MessageStateChanged:
		s += fmt.Sprintf(": %s -> %s", m.OldState, m.NewState)
		if m.PendingState != StateVoidPending {
			s += " (pending " + m.PendingState.String() + ")"
		}
	case MessageElement, MessageApplication:
		if m.Struct != nil {
			s += ": " + m.Struct.Text()
		}
	case MessageStreamStatus:
		s += [...]string{": enter", ": leave"}[m.Status]
	}
	return s
}

// BusSyncReply is what a sync handler decides for a message.
type BusSyncReply uint8

const (
	// BusPass queues the message for Pop and the channel.
	BusPass BusSyncReply = iota
	// BusDrop discards the message.
	BusDrop
)

// Bus carries messages from the streaming goroutines to the application.
// Posting never blocks: messages wait in an unbounded queue, so a slow
// application cannot stall the pipeline. A sync handler, if set, sees each
// message in the posting goroutine first.
type Bus struct {
	mu      sync.Mutex
	queue   []*Message
	notify  chan struct{}
	sync    func(*Message) BusSyncReply
	flushed bool
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{notify: make(chan struct{}, 1)} }

// SetSyncHandler installs a handler run in the posting goroutine for
// every message; it must be quick and must not change pipeline state.
func (b *Bus) SetSyncHandler(fn func(*Message) BusSyncReply) {
	b.mu.Lock()
	b.sync = fn
	b.mu.Unlock()
}

// Post queues a message.
func (b *Bus) Post(m *Message) {
	b.mu.Lock()
	h := b.sync
	b.mu.Unlock()
	if h != nil && h(m) == BusDrop {
		return
	}
	b.mu.Lock()
	if b.flushed {
		b.mu.Unlock()
		return
	}
	b.queue = append(b.queue, m)
	b.mu.Unlock()
	select {
	case b.notify <- struct{}{}:
	default:
	}
}

// SetFlushing drops queued messages and, while on, every new one.
func (b *Bus) SetFlushing(on bool) {
	b.mu.Lock()
	b.flushed = on
	if on {
		b.queue = nil
	}
	b.mu.Unlock()
}

// TryPop returns the next message of the given types, or nil; messages of
// other types before it are discarded.
func (b *Bus) TryPop(types MessageType) *Message {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.queue) > 0 {
		m := b.queue[0]
		b.queue[0] = nil
		b.queue = b.queue[1:]
		if m.Type&types != 0 {
			return m
		}
	}
	return nil
}

// Pop waits for the next message of the given types (MessageAny for all)
// until ctx is done; messages of other types are discarded.
func (b *Bus) Pop(ctx context.Context, types MessageType) (*Message, error) {
	for {
		if m := b.TryPop(types); m != nil {
			return m, nil
		}
		select {
		case <-b.notify:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// Messages returns a channel that delivers the messages of the given types
// (MessageAny for all) until ctx ends, then closes; for select loops that
// wait on the bus and other events at once. Only one reader should drain
// the bus at a time.
func (b *Bus) Messages(ctx context.Context, types MessageType) <-chan *Message {
	ch := make(chan *Message)
	go func() {
		defer close(ch)
		for {
			m, err := b.Pop(ctx, types)
			if err != nil {
				return
			}
			select {
			case ch <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}
