package eval

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clipGT is a ground truth in the format dsscene writes (samples/FORMATS.md).
const clipGT = `{"info":{"generator":"dsscene","seed":3},
 "images":[{"id":1,"file_name":"c.mp4#000000","width":64,"height":48,"frame":0,"video":"c.mp4"},
           {"id":2,"file_name":"c.mp4#000001","width":64,"height":48,"frame":1,"video":"c.mp4"}],
 "categories":[{"id":1,"name":"Car"},{"id":2,"name":"Bicycle"},{"id":3,"name":"Person"},{"id":4,"name":"Roadsign"}],
 "annotations":[
  {"id":1,"image_id":1,"category_id":1,"bbox":[10,5,20,10],"area":150,"iscrowd":0,"ignore":0,"track_id":7,
   "visibility":0.9,"attributes":{"color":"red","type":"sedan"},"segmentation":{"size":[10,15],"counts":[100,50]}},
  {"id":2,"image_id":2,"category_id":3,"bbox":[0,0,4,12],"area":30,"iscrowd":0,"ignore":1,"track_id":8,"visibility":0.2}]}`

func TestReadCOCOGroundTruth(t *testing.T) {
	g, err := ReadCOCOGroundTruth(strings.NewReader(clipGT))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Images) != 2 || len(g.Annotations) != 2 || len(g.Categories) != 4 {
		t.Fatalf("%d images, %d annotations, %d categories", len(g.Images), len(g.Annotations), len(g.Categories))
	}
	a := g.Annotations[0]
	if a.Box != box(10, 5, 20, 10) || a.Area != 150 || !a.HasTrack || a.TrackID != 7 || a.Attributes["color"] != "red" || a.Ignore {
		t.Errorf("annotation 1: %+v", a)
	}
	if b := g.Annotations[1]; !b.Ignore || b.Visibility != 0.2 {
		t.Errorf("annotation 2: %+v", b)
	}
	if im, ok := g.ImageByFrame(1); !ok || im.ID != 2 {
		t.Errorf("frame 1 → %+v %v", im, ok)
	}
	if id, ok := g.CategoryByName("PERSON"); !ok || id != 3 {
		t.Errorf("PERSON → %d %v", id, ok)
	}
	m, err := parseSegmentation(a.Segmentation)
	if err != nil || m.Area() != 50 {
		t.Errorf("segmentation: %v %v", m, err)
	}
}

func TestCOCOFrameFallbacks(t *testing.T) {
	g, err := ReadCOCOGroundTruth(strings.NewReader(`{"images":[{"id":5,"file_name":"v.mp4#000042"},{"id":9}],
		"categories":[{"id":1,"name":"Car"}],"annotations":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if g.Images[0].Frame != 42 || g.Images[1].Frame != 8 {
		t.Fatalf("frames %d, %d; want 42 (file name) and 8 (id-1)", g.Images[0].Frame, g.Images[1].Frame)
	}
}

func TestCOCOGroundTruthErrors(t *testing.T) {
	const cats = `"categories":[{"id":1,"name":"Car"}]`
	for name, doc := range map[string]string{
		"not json":        `{"images":`,
		"no annotations":  `{"images":[],` + cats + `}`,
		"short bbox":      `{"images":[{"id":1}],` + cats + `,"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[1,2,3]}]}`,
		"negative size":   `{"images":[{"id":1}],` + cats + `,"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[1,2,-3,4]}]}`,
		"unknown image":   `{"images":[{"id":1}],` + cats + `,"annotations":[{"id":1,"image_id":2,"category_id":1,"bbox":[1,2,3,4]}]}`,
		"unknown class":   `{"images":[{"id":1}],` + cats + `,"annotations":[{"id":1,"image_id":1,"category_id":5,"bbox":[1,2,3,4]}]}`,
		"duplicate image": `{"images":[{"id":1},{"id":1}],` + cats + `,"annotations":[]}`,
		"string id":       `{"images":[{"id":"1"}],` + cats + `,"annotations":[]}`,
	} {
		if _, err := ReadCOCOGroundTruth(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestReadCOCOResults(t *testing.T) {
	g, err := ReadCOCOGroundTruth(strings.NewReader(clipGT))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ReadCOCOResults(strings.NewReader(`[
		{"image_id":2,"category_id":3,"bbox":[1,2,3,4],"score":0.5,"attributes":{"color":"Red"},"track_id":4},
		{"image_id":1,"category_id":9,"bbox":[1,2,3,4],"score":0.25},
		{"image_id":1,"category_id":1,"score":0.75,"segmentation":{"size":[10,15],"counts":"T3b1"}}]`), g)
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Frame != 1 || p[0].CategoryID != 3 || p[0].Attributes["color"] != "Red" || !p[0].HasTrack || p[0].TrackID != 4 {
		t.Errorf("result 0: %+v", p[0])
	}
	if p[1].CategoryID != UnknownCategory {
		t.Errorf("category 9 → %d, want UnknownCategory", p[1].CategoryID)
	}
	if p[2].Mask == nil || p[2].Box != box(10, 0, 5, 10) {
		t.Errorf("box from mask: %+v", p[2].Box)
	}
	for name, doc := range map[string]string{
		"unknown image": `[{"image_id":3,"category_id":1,"bbox":[1,2,3,4],"score":0.5}]`,
		"no score":      `[{"image_id":1,"category_id":1,"bbox":[1,2,3,4]}]`,
		"no bbox":       `[{"image_id":1,"category_id":1,"score":0.5}]`,
		"bad mask":      `[{"image_id":1,"category_id":1,"score":0.5,"bbox":[1,2,3,4],"segmentation":{"size":[2,2],"counts":"zz"}}]`,
		"object":        `{"image_id":1}`,
	} {
		if _, err := ReadCOCOResults(strings.NewReader(doc), g); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseKITTIName(t *testing.T) {
	for name, want := range map[string]KITTIName{
		"00_000_000000.txt":  {0, 0, 0},
		"01_002_001234.txt":  {1, 2, 1234},
		"00_000_1234567.txt": {0, 0, 1234567},
		"000017.txt":         {0, 0, 17},
	} {
		got, err := ParseKITTIName(name)
		if err != nil || got != want {
			t.Errorf("%s → %+v %v, want %+v", name, got, err, want)
		}
	}
	for _, name := range []string{"00_000.txt", "a_000_000001.txt", "00_000_000001.json", "00_-01_000001.txt", "x.txt"} {
		if _, err := ParseKITTIName(name); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func TestParseKITTILine(t *testing.T) {
	for _, c := range []struct {
		line string
		want KITTIObject
	}{
		{ // deepstream-app 6/7 detector output
			"Car 0.0 0 0.0 10.500000 20.000000 30.500000 60.000000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.875000",
			KITTIObject{Label: "Car", Box: box(10.5, 20, 20, 40), Score: 0.875, HasScore: true}},
		{ // deepstream-app 5.0 detector output: integer coordinates, no confidence
			"Person 0.0 0 0.0 1.00 2.00 11.00 32.00 0.0 0.0 0.0 0.0 0.0 0.0 0.0",
			KITTIObject{Label: "Person", Box: box(1, 2, 10, 30), Score: 1}},
		{ // tracker output
			"Car 42 0.0 0 0.0 10.000000 20.000000 30.000000 60.000000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.500000",
			KITTIObject{Label: "Car", TrackID: 42, HasTrack: true, Box: box(10, 20, 20, 40), Score: 0.5, HasScore: true}},
		{ // deepstream-app 5.0 tracker output
			"Car 42 0.0 0 0.0 10.00 20.00 30.00 60.00 0.0 0.0 0.0 0.0 0.0 0.0 0.0",
			KITTIObject{Label: "Car", TrackID: 42, HasTrack: true, Box: box(10, 20, 20, 40), Score: 1}},
		{ // tracker output with visibility and foot position
			"Person 18446744073709551615 0.0 0 0.0 1 2 3 4 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.9 0.8 2.0 4.0",
			KITTIObject{Label: "Person", TrackID: 1<<64 - 1, HasTrack: true, Box: box(1, 2, 2, 2), Score: 0.9, HasScore: true}},
		{ // a label with a space
			"traffic light 0.0 0 0.0 1 2 3 4 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.3",
			KITTIObject{Label: "traffic light", Box: box(1, 2, 2, 2), Score: 0.3, HasScore: true}},
	} {
		got, err := ParseKITTILine(c.line)
		if err != nil || got != c.want {
			t.Errorf("%q\n → %+v %v\nwant %+v", c.line, got, err, c.want)
		}
	}
	for _, line := range []string{
		"Car 0.0 0 0.0 10 20 30",                                                // short
		"Car 0.0 0 0.0 30 20 10 60 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.5",             // right < left
		"Car 0.0 0 0.0 10 20 30 60 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.5 1 2",         // 17 numbers
		"Car -3 0.0 0 0.0 10 20 30 60 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.5",          // negative id
		"Car 0.0 0 0.0 NaN 20 30 60 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.5",            // NaN
		"Car 1.5 0.0 0 0.0 10 20 30 60 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.5",         // fractional id
		"0.0 0 0.0 10 20 30 60 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.5 0.5 0.5 0.5 0.5", // all numbers
	} {
		if o, err := ParseKITTILine(line); err == nil {
			t.Errorf("%q accepted: %+v", line, o)
		}
	}
}

// writeFiles writes name → content files into dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, s := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestReadKITTIDir(t *testing.T) {
	g, err := ReadCOCOGroundTruth(strings.NewReader(clipGT))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	const line = " 0.0 0 0.0 10.000000 5.000000 30.000000 15.000000 0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.700000\n"
	writeFiles(t, dir, map[string]string{
		"00_000_000000.txt": "car" + line + "Dog" + line,
		"00_000_000001.txt": "",
		"00_001_000001.txt": "Person" + line,
		"00_001_000005.txt": "Person" + line,
		"notes.md":          "not a KITTI file",
	})
	if _, err := ReadKITTIDir(dir, g, KITTIOptions{Source: -1}); err == nil || !strings.Contains(err.Error(), "source 1") {
		t.Fatalf("two sources without a choice: %v", err)
	}
	p, err := ReadKITTIDir(dir, g, KITTIOptions{Source: 0})
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || p[0].CategoryID != 1 || p[0].ImageID != 1 || p[0].Box != box(10, 5, 20, 10) || p[0].Score != 0.7 {
		t.Fatalf("source 0: %+v", p)
	}
	if p[1].CategoryID != UnknownCategory || p[1].Label != "Dog" {
		t.Errorf("unknown label: %+v", p[1])
	}
	p, err = ReadKITTIDir(dir, g, KITTIOptions{Source: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 2 || p[0].ImageID != 2 || p[0].Frame != 1 || p[1].ImageID != 0 || p[1].Frame != 5 {
		t.Fatalf("source 1: %+v", p)
	}
	if _, err := ReadKITTIDir(dir, g, KITTIOptions{Source: 3}); err == nil {
		t.Error("missing source accepted")
	}
	writeFiles(t, dir, map[string]string{"00_000_000002.txt": "Car 1 2 3\n"})
	if _, err := ReadKITTIDir(dir, g, KITTIOptions{Source: 0}); err == nil || !strings.Contains(err.Error(), "00_000_000002.txt:1") {
		t.Errorf("bad line: %v", err)
	}
}

func TestReadMOT(t *testing.T) {
	g, err := ReadMOTGroundTruth(strings.NewReader("1,1,10,20,30,40,1,1,0.9\n1,2,0,0,5,5,0,3,0.1\n\n3,1,11,20,30,40,1,1,1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Images) != 2 || g.Images[1].ID != 3 || g.Images[1].Frame != 2 || len(g.Annotations) != 3 {
		t.Fatalf("%+v", g)
	}
	if a := g.Annotations[1]; !a.Ignore || a.CategoryID != 3 || a.TrackID != 2 || a.Visibility != 0.1 {
		t.Errorf("ignored person: %+v", a)
	}
	p, err := ReadMOTPredictions(strings.NewReader("1 5 10 20 30 40 0.9 -1 -1 -1\n2,6,1,2,3,4,0.5,3,-1,-1\n3,7,1,2,3,4,0.5,9,-1,-1,\n"), g)
	if err != nil {
		t.Fatal(err)
	}
	if p[0].Frame != 0 || p[0].ImageID != 1 || p[0].TrackID != 5 || p[0].CategoryID != NoCategory || p[0].Score != 0.9 {
		t.Errorf("prediction 0: %+v", p[0])
	}
	if p[1].ImageID != 0 || p[1].CategoryID != 3 {
		t.Errorf("prediction 1 (frame without ground truth): %+v", p[1])
	}
	if p[2].CategoryID != UnknownCategory {
		t.Errorf("prediction 2 (class 9): %+v", p[2])
	}
	for name, doc := range map[string]string{
		"frame 0":     "0,1,1,2,3,4,1,1,1\n",
		"few fields":  "1,1,1,2,3\n",
		"bad number":  "1,1,1,x,3,4,1,1,1\n",
		"no category": "1,1,1,2,3,4,1,-1,1\n",
		"negative w":  "1,1,1,2,-3,4,1,1,1\n",
	} {
		if _, err := ReadMOTGroundTruth(strings.NewReader(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestLoadDispatch(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"c.gt.json":   clipGT,
		"c.gt.txt":    "1,7,10,5,20,10,1,1,1\n",
		"r.json":      `[{"image_id":1,"category_id":1,"bbox":[10,5,20,10],"score":0.5}]`,
		"tracks.txt":  "1,3,10,5,20,10,1,-1,-1,-1\n",
		"broken.json": "[",
	})
	if err := os.Mkdir(filepath.Join(dir, "kitti"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, filepath.Join(dir, "kitti"), map[string]string{"00_000_000000.txt": "Car 0.0 0 0.0 1 2 3 4 0 0 0 0 0 0 0 0.5\n"})
	g, err := LoadGroundTruth(filepath.Join(dir, "c.gt.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadGroundTruth(filepath.Join(dir, "c.gt.txt")); err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]int{"r.json": 1, "tracks.txt": 1, "kitti": 1} {
		p, err := LoadPredictions(filepath.Join(dir, name), g, KITTIOptions{Source: -1})
		if err != nil || len(p) != n {
			t.Errorf("%s: %d predictions, %v", name, len(p), err)
		}
	}
	if _, err := LoadPredictions(filepath.Join(dir, "broken.json"), g, KITTIOptions{Source: -1}); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("broken results: %v", err)
	}
	if _, err := LoadGroundTruth(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file accepted")
	}
}
