package pipeline

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
)

func TestEOSThroughQueuesAndTeeReachesEverySink(t *testing.T) {
	const n = 300
	p := launch(t, fmt.Sprintf("fakesrc num-buffers=%d ! queue ! tee name=t "+
		"t. ! queue ! fakesink name=s0  t. ! queue ! fakesink name=s1  t. ! queue ! fakesink name=s2", n))
	var eos atomic.Int32
	p.Bus().SetSyncHandler(func(m *Message) BusSyncReply {
		if m.Type == MessageEOS {
			if m.Source != Element(p) {
				t.Errorf("EOS message from %s; want it from the pipeline", m.SourceName())
			}
			eos.Add(1)
		}
		return BusPass
	})
	logs := make([]*offsetLog, 3)
	for i := range logs {
		logs[i] = &offsetLog{}
		byName[*FakeSink](t, p, fmt.Sprintf("s%d", i)).SetHandoff(logs[i].add)
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	for i, l := range logs {
		if g := l.get(); !slices.Equal(g, offsets(0, n, 1)) {
			t.Errorf("s%d got %d buffers (%v...); want 0..%d in order", i, len(g), g[:min(len(g), 5)], n-1)
		}
	}
	// Run returned at the first EOS and left the pipeline in NULL: a second
	// EOS would have been posted by now.
	if e := eos.Load(); e != 1 {
		t.Errorf("the pipeline posted %d EOS messages; want 1", e)
	}
}

func TestTeeSharesBuffersWithoutCopying(t *testing.T) {
	p := launch(t, "fakesrc num-buffers=4 ! tee name=t t. ! fakesink name=a t. ! fakesink name=b")
	seen := map[string][]*Buffer{}
	for _, name := range []string{"a", "b"} {
		byName[*FakeSink](t, p, name).SetHandoff(func(b *Buffer) { seen[name] = append(seen[name], b) })
	}
	if err := run(t, p); err != nil {
		t.Fatal(err)
	}
	if len(seen["a"]) != 4 || !slices.Equal(seen["a"], seen["b"]) {
		t.Errorf("branches saw %d and %d buffers, not the same ones; want the same 4 buffers in both", len(seen["a"]), len(seen["b"]))
	}
}
