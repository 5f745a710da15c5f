package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/dsgo/dsgo/samples/scene"
)

func TestParseDropout(t *testing.T) {
	for _, c := range []struct {
		in   string
		want [][2]int
	}{
		{"", nil},
		{"4s-6s", [][2]int{{120, 180}}},
		{"4.5s-6s", [][2]int{{135, 180}}},
		{"120-180", [][2]int{{120, 180}}},
		{"0s-1s, 8s-10s", [][2]int{{0, 30}, {240, 300}}},
	} {
		got, err := parseDropout(c.in, 30, 300)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %v %v, want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"4s", "6s-4s", "4s-4s", "9s-11s", "a-b", "-1-5", "4x-6s", "1e9s-2e9s", "NaNs-1s"} {
		if _, err := parseDropout(in, 30, 300); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// Whatever the flag holds, parseDropout returns ranges inside the clip
// or an error, never panics.
func FuzzParseDropout(f *testing.F) {
	for _, s := range []string{"4s-6s", "120-180", "0s-1s,2s-3s", "--", "1.5s-", "9999999999999999999-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseDropout(s, 30, 300)
		if err != nil {
			return
		}
		for _, x := range r {
			if x[0] < 0 || x[1] <= x[0] || x[1] > 300 {
				t.Fatalf("%q gave range %v", s, x)
			}
		}
	})
}

// Bad flags fail with a message that names the flag and the problem.
func TestFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"clip", "--lighting", "noon", "--out", dir + "/a.mp4"}, "--lighting"},
		{[]string{"clip", "--width", "10", "--out", dir + "/a.mp4"}, "--width 10"},
		{[]string{"clip", "--out", dir + "/a.avi"}, "--out"},
		{[]string{"clip", "--seconds", "0", "--out", dir + "/a.mp4"}, "--seconds 0"},
		{[]string{"clip", "--fps", "0", "--out", dir + "/a.mp4"}, "--fps 0"},
		{[]string{"clip", "--dropout", "8s-12s", "--out", dir + "/a.mp4"}, "--dropout"},
		{[]string{"clip", "--density", "0", "--out", dir + "/a.mp4"}, "--density 0"},
		{[]string{"clip", "--bitrate", "-5", "--out", dir + "/a.mp4"}, "--bitrate -5"},
		{[]string{"dataset", "--scenes", "0", "--out", dir}, "--scenes 0"},
		{[]string{"dataset", "--frames-per-scene", "0", "--out", dir}, "--frames-per-scene 0"},
		{[]string{"dataset", "--scaling", "cubic", "--out", dir}, "--scaling"},
		{[]string{"dataset"}, "--out"},
		{[]string{"dataset", "--workers", "0", "--out", dir}, "--workers 0"},
		{[]string{"frame"}, "--out"},
		{[]string{"clip", "--nosuchflag"}, "nosuchflag"},
		{[]string{"bogus"}, "unknown subcommand"},
	} {
		var out, errb bytes.Buffer
		if code := run(t.Context(), c.args, &out, &errb); code == 0 || !strings.Contains(errb.String(), c.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error naming %q", c.args, code, errb.String(), c.want)
		}
	}
}

// memEncoder keeps the frames it is given, as a video file would.
type memEncoder struct {
	w, h   int
	cur    *image.RGBA
	frames map[int]*image.RGBA
	closed bool
}

func (m *memEncoder) Frame(context.Context) (*image.RGBA, error) {
	m.cur = image.NewRGBA(image.Rect(0, 0, m.w, m.h))
	return m.cur, nil
}

func (m *memEncoder) Push(_ context.Context, i int) error {
	m.frames[i] = m.cur
	return nil
}

func (m *memEncoder) Close(_ context.Context, ok bool) error {
	m.closed = ok
	return nil
}

type gtFile struct {
	Info       cocoInfo       `json:"info"`
	Images     []cocoImage    `json:"images"`
	Categories []cocoCategory `json:"categories"`
	Ann        []struct {
		cocoAnn
		Attributes map[string]string `json:"attributes"`
	} `json:"annotations"`
}

// The ground truth files of a clip say what samples/FORMATS.md says, and agree
// with the frames that were encoded.
func TestClipGroundTruth(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "clip.mp4")
	o := clipOptions{scene: sceneFlags{seed: 5, width: 480, height: 270, fps: 10, lighting: "cycle", density: 2, noise: 2},
		seconds: 3, dropout: "1s-1.5s", out: out}
	cfg, err := o.config()
	if err != nil {
		t.Fatal(err)
	}
	enc := &memEncoder{w: 480, h: 270, frames: map[int]*image.RGBA{}}
	n, err := writeClip(t.Context(), cfg, out, enc)
	if err != nil || !enc.closed || len(enc.frames) != 30 {
		t.Fatalf("writeClip: %v, closed %v, %d frames", err, enc.closed, len(enc.frames))
	}
	var gt gtFile
	b, err := os.ReadFile(filepath.Join(dir, "clip.gt.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &gt); err != nil {
		t.Fatal(err)
	}
	if gt.Info.Generator != "dsscene" || gt.Info.Seed != 5 || len(gt.Images) != 30 || len(gt.Ann) != n ||
		!reflect.DeepEqual(gt.Info.Dropout, [][2]int{{10, 15}}) {
		t.Fatalf("info %+v, %d images, %d annotations (%d written)", gt.Info, len(gt.Images), len(gt.Ann), n)
	}
	if gt.Images[7] != (cocoImage{ID: 8, FileName: "clip.mp4#000007", Width: 480, Height: 270, Frame: 7, Video: "clip.mp4"}) {
		t.Errorf("image record %+v", gt.Images[7])
	}
	if !reflect.DeepEqual(gt.Categories, []cocoCategory{{1, "Car"}, {2, "Bicycle"}, {3, "Person"}, {4, "Roadsign"}}) {
		t.Errorf("categories %v", gt.Categories)
	}
	// The frames are the scene's frames.
	s, _ := scene.New(cfg)
	img := image.NewRGBA(image.Rect(0, 0, 480, 270))
	if _, err := s.Render(20, img); err != nil || !bytes.Equal(img.Pix, enc.frames[20].Pix) {
		t.Error("frame 20 of the clip is not frame 20 of the scene")
	}
	mot := readMOT(t, filepath.Join(dir, "clip.gt.txt"))
	if len(mot) != len(gt.Ann) {
		t.Fatalf("%d MOT lines, %d annotations", len(mot), len(gt.Ann))
	}
	mask := make([]uint8, 480*270)
	for k, a := range gt.Ann {
		if a.ID != k+1 || a.ImageID < 1 || a.ImageID > 30 || a.CategoryID < 1 || a.CategoryID > 4 || a.IsCrowd != 0 {
			t.Fatalf("annotation %+v", a.cocoAnn)
		}
		if f := a.ImageID - 1; f >= 10 && f < 15 {
			t.Fatalf("annotation %d in drop-out frame %d", a.ID, f)
		}
		if (a.CategoryID == 1) != (a.Attributes != nil) {
			t.Fatalf("annotation %d of category %d has attributes %v", a.ID, a.CategoryID, a.Attributes)
		}
		if a.Segmentation.Size != [2]int{270, 480} {
			t.Fatalf("segmentation size %v", a.Segmentation.Size)
		}
		if err := scene.DecodeRLE(a.Segmentation.Counts, 480, 270, mask); err != nil {
			t.Fatal(err)
		}
		area, box := 0, image.Rectangle{}
		for p, v := range mask {
			if v == 1 {
				area++
				box = box.Union(image.Rect(p%480, p/480, p%480+1, p/480+1))
			}
		}
		if area != a.Area || [4]int{box.Min.X, box.Min.Y, box.Dx(), box.Dy()} != a.BBox {
			t.Fatalf("annotation %d: mask area %d box %v, recorded %d %v", a.ID, area, box, a.Area, a.BBox)
		}
		ign := 0
		if scene.Ignored(box, a.Visibility) {
			ign = 1
		}
		want := []string{strconv.Itoa(a.ImageID), strconv.Itoa(a.TrackID), strconv.Itoa(a.BBox[0]), strconv.Itoa(a.BBox[1]),
			strconv.Itoa(a.BBox[2]), strconv.Itoa(a.BBox[3]), strconv.Itoa(1 - a.Ignore), strconv.Itoa(a.CategoryID),
			strconv.FormatFloat(a.Visibility, 'f', -1, 64)}
		if a.Ignore != ign || !reflect.DeepEqual(mot[k], want) {
			t.Fatalf("annotation %d: ignore %d (rule says %d), MOT %v, want %v", a.ID, a.Ignore, ign, mot[k], want)
		}
	}
}

func readMOT(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		rows = append(rows, strings.Split(sc.Text(), ","))
	}
	return rows
}
