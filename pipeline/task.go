package pipeline

import (
	"context"
	"sync"
)

// Task is a streaming goroutine owned by an element (a source's push loop,
// a queue's output side). Stop cancels its context and waits for it to
// end, so an element that stops its tasks when leaving PAUSED never leaves
// a goroutine behind.
type Task struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
}

// StartTask runs fn in a new goroutine with a context that Stop cancels,
// posting stream-status messages when it starts and ends.
func (e *ElementBase) StartTask(fn func(ctx context.Context)) *Task {
	ctx, cancel := context.WithCancel(context.Background())
	t := &Task{cancel: cancel, done: make(chan struct{})}
	e.Post(&Message{Type: MessageStreamStatus, Status: StreamStatusEnter})
	go func() {
		defer close(t.done)
		defer e.Post(&Message{Type: MessageStreamStatus, Status: StreamStatusLeave})
		fn(ctx)
	}()
	return t
}

// Stop cancels the task and waits for its goroutine to return. It is safe
// to call more than once and on a nil task.
func (t *Task) Stop() {
	if t == nil {
		return
	}
	t.once.Do(t.cancel)
	<-t.done
}

// Done is closed when the goroutine has returned.
func (t *Task) Done() <-chan struct{} { return t.done }
