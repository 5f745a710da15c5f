package video

import "testing"

// A conversion given Workers that its element closed meanwhile (a state
// change on another goroutine) runs in its own goroutine instead of
// failing, and Close waits for conversions in flight.
func TestConvertWithClosedWorkers(t *testing.T) {
	src, _ := NewInfo(FormatNV12, 1280, 720)
	dst, _ := NewInfo(FormatRGBA, 640, 360)
	sf, df := NewFrame(src), NewFrame(dst)
	w := NewWorkers(2)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 20 {
			if err := Convert(df, sf, ConvertOptions{Pool: w}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	w.Close()
	<-done
	if err := Convert(df, sf, ConvertOptions{Pool: w}); err != nil {
		t.Fatal(err)
	}
	w.Close()
}
