package sinks

import (
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/dsgo/dsgo/pipeline"

	_ "github.com/dsgo/dsgo/elements/streammux"
	_ "github.com/dsgo/dsgo/elements/testsrc"
)

func TestJPEGSinkSavesEveryFrameOfEachSource(t *testing.T) {
	dir := t.TempDir()
	for _, format := range []string{"I420", "NV12", "RGBA"} {
		t.Run(format, func(t *testing.T) {
			loc := filepath.Join(dir, format+"-%s-%03d.jpg")
			p, err := pipeline.Launch("videotestsrc num-buffers=3 pattern=red ! video/x-raw,format=" + format +
				",width=64,height=48 ! jpegsink location=" + loc)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Run(t.Context(), 0, nil); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				name := filepath.Join(dir, format+"-0-00"+string(rune('0'+i))+".jpg")
				f, err := os.Open(name)
				if err != nil {
					t.Fatal(err)
				}
				img, err := jpeg.Decode(f)
				f.Close()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				r, g, b, _ := img.At(32, 24).RGBA()
				if r>>8 < 230 || g>>8 > 30 || b>>8 > 30 {
					t.Fatalf("%s: centre pixel %d,%d,%d, want red", name, r>>8, g>>8, b>>8)
				}
			}
		})
	}
}

func TestJPEGSinkNeedsAnIndexInTheName(t *testing.T) {
	if err := NewJPEGSink().Set("location", "same.jpg"); err == nil {
		t.Fatal("a location without a frame index was accepted")
	}
}

func TestJPEGSinkReportsUnwritableLocation(t *testing.T) {
	p, err := pipeline.Launch("videotestsrc num-buffers=1 ! jpegsink name=snap location=/nonexistent-dir/x-%d.jpg")
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(t.Context(), 0, nil)
	em, ok := err.(*pipeline.ErrorMessage)
	if !ok || em.Element != "snap" {
		t.Fatalf("got %v, want an error from snap", err)
	}
}
