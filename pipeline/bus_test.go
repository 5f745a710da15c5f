package pipeline

import (
	"context"
	"errors"
	"testing"
	"time"
)

func postAll(b *Bus, types ...MessageType) {
	for _, typ := range types {
		b.Post(&Message{Type: typ, Err: errors.New(typ.String())})
	}
}

func TestBusPopFiltersAndDiscardsOthers(t *testing.T) {
	b := NewBus()
	postAll(b, MessageInfo, MessageWarning, MessageError, MessageElement, MessageEOS)
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	m, err := b.Pop(ctx, MessageError|MessageEOS)
	if err != nil || m.Type != MessageError {
		t.Fatalf("Pop(error|eos) = %v, %v; want the error", m, err)
	}
	if m := b.TryPop(MessageAny); m == nil || m.Type != MessageElement {
		t.Errorf("next message %v; want element (those before the error were discarded)", m)
	}
	if m := b.TryPop(MessageInfo); m != nil {
		t.Errorf("TryPop(info) = %v; want nil, eos is not an info", m)
	}
	if m := b.TryPop(MessageAny); m != nil {
		t.Errorf("TryPop discarded nothing: %v is still queued", m)
	}
}

func TestBusPopEndsWithContext(t *testing.T) {
	b := NewBus()
	postAll(b, MessageInfo, MessageWarning)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if m, err := b.Pop(ctx, MessageEOS); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Pop(eos) on a bus without EOS = %v, %v; want deadline exceeded", m, err)
	}
}

func TestBusPopWaitsForLaterPost(t *testing.T) {
	b := NewBus()
	got := make(chan *Message, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		m, _ := b.Pop(ctx, MessageEOS)
		got <- m
	}()
	postAll(b, MessageInfo, MessageEOS)
	if m := receive(t, got, "Pop to see the EOS"); m == nil || m.Type != MessageEOS {
		t.Errorf("Pop = %v; want EOS", m)
	}
}

func TestBusSyncHandlerDropsInPostingGoroutine(t *testing.T) {
	b := NewBus()
	seen := 0
	b.SetSyncHandler(func(m *Message) BusSyncReply {
		seen++ // no lock: the handler runs in the posting goroutine
		if m.Type == MessageElement {
			return BusDrop
		}
		return BusPass
	})
	postAll(b, MessageElement, MessageInfo, MessageElement)
	if seen != 3 {
		t.Errorf("sync handler saw %d messages by the time Post returned; want 3", seen)
	}
	if m := b.TryPop(MessageAny); m == nil || m.Type != MessageInfo {
		t.Errorf("first queued message %v; want the info", m)
	}
	if m := b.TryPop(MessageAny); m != nil {
		t.Errorf("dropped message %v was queued", m)
	}
	b.SetSyncHandler(nil)
	postAll(b, MessageElement)
	if m := b.TryPop(MessageElement); m == nil {
		t.Error("element message dropped after removing the sync handler")
	}
}

func TestBusFlushingDropsMessages(t *testing.T) {
	b := NewBus()
	postAll(b, MessageInfo)
	b.SetFlushing(true)
	postAll(b, MessageWarning)
	if m := b.TryPop(MessageAny); m != nil {
		t.Errorf("flushing bus returned %v", m)
	}
	b.SetFlushing(false)
	postAll(b, MessageEOS)
	if m := b.TryPop(MessageAny); m == nil || m.Type != MessageEOS {
		t.Errorf("after flushing, TryPop = %v; want the new EOS", m)
	}
}

func TestMessageString(t *testing.T) {
	src := named(NewIdentity(), "id")
	tests := []struct {
		m    *Message
		want string
	}{
		{&Message{Type: MessageError, Source: src, Err: errors.New("boom"), Debug: "id.src"}, "error from id: boom (id.src)"},
		{&Message{Type: MessageStateChanged, Source: src, OldState: StateNull, NewState: StateReady, PendingState: StatePlaying},
			"state-changed from id: NULL -> READY (pending PLAYING)"},
		{&Message{Type: MessageStateChanged, Source: src, OldState: StatePaused, NewState: StatePlaying}, "state-changed from id: PAUSED -> PLAYING"},
		{&Message{Type: MessageElement, Source: src, Struct: NewStructure("stats", "n", 3)}, "element from id: stats, n=3"},
		{&Message{Type: MessageStreamStatus, Source: src, Status: StreamStatusLeave}, "stream-status from id: leave"},
		{&Message{Type: MessageEOS}, "eos from (none)"},
		{&Message{Type: 1 << 20}, "message(0x100000) from (none)"},
	}
	for _, tt := range tests {
		if got := tt.m.String(); got != tt.want {
			t.Errorf("String() = %q; want %q", got, tt.want)
		}
	}
}

func TestElementMessagesReachPipelineBus(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=2 ! identity silent=false name=id ! fakesink")
	var handoffs int
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := p.Run(ctx, testTimeout, func(m *Message) {
		if m.Type == MessageElement && m.SourceName() == "id" && m.Struct.Name == "identity-handoff" {
			handoffs++
		}
	})
	if err != nil || handoffs != 2 {
		t.Errorf("Run = %v with %d identity-handoff messages; want 2", err, handoffs)
	}
}

func TestBusMessagesChannelDeliversAndCloses(t *testing.T) {
	b := NewBus()
	ctx, cancel := context.WithCancel(context.Background())
	ch := b.Messages(ctx, MessageEOS|MessageError)
	b.Post(&Message{Type: MessageWarning})
	b.Post(&Message{Type: MessageEOS})
	if m := receive(t, ch, "EOS"); m.Type != MessageEOS {
		t.Fatalf("got %v", m.Type)
	}
	cancel()
	for range ch { // must close once ctx ends
	}
}
