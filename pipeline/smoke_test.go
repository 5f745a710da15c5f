package pipeline

import (
	"context"
	"testing"
	"time"
)

func TestSmokeLaunchRun(t *testing.T) {
	p, err := Launch("fakesrc num-buffers=1000 ! queue ! identity ! tee name=t t. ! queue ! fakesink name=a t. ! fakesink name=b")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := p.Run(ctx, time.Second, func(m *Message) { t.Log(m) }); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b"} {
		if c := p.ByName(n).(*FakeSink).Count(); c != 1000 {
			t.Errorf("%s got %d", n, c)
		}
	}
}
