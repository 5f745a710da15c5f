package cpu

import (
	"sync/atomic"
	"testing"
	"time"
)

// countTask counts the items it is given.
type countTask struct{ n atomic.Int64 }

func (t *countTask) run(w, lo, hi int) { t.n.Add(int64(hi - lo)) }

// TestPoolRunsEachTaskOnce hands the pool many small tasks, pausing now
// and then so that workers park between them: every task must run each
// item exactly once. A wake token that reached a worker after it had run
// the task and parked again used to make it run a second, phantom task
// ("sync: negative WaitGroup counter").
func TestPoolRunsEachTaskOnce(t *testing.T) {
	for _, workers := range []int{2, 3, 4} {
		r := NewRunner(Options{Workers: workers})
		var task countTask
		for i := range 10000 {
			task.n.Store(0)
			r.pool.run(64, 1, &task)
			if got := task.n.Load(); got != 64 {
				t.Fatalf("%d workers, task %d: %d items ran, want 64", workers, i, got)
			}
			if i%997 == 0 {
				time.Sleep(2 * spinFor) // let the workers park
			}
		}
		r.Close()
	}
}
