package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// clip is a two-frame, 40x30 clip: a car (track 1) in both frames, a
// person (track 2) in frame 0 and an ignored car in frame 1.
const clip = `{"images":[{"id":1,"width":40,"height":30,"frame":0},{"id":2,"width":40,"height":30,"frame":1}],
 "categories":[{"id":1,"name":"Car"},{"id":2,"name":"Bicycle"},{"id":3,"name":"Person"},{"id":4,"name":"Roadsign"}],
 "annotations":[
  {"id":1,"image_id":1,"category_id":1,"bbox":[10,5,10,10],"area":100,"iscrowd":0,"ignore":0,"track_id":1,
   "attributes":{"color":"red","type":"sedan"},"segmentation":%s},
  {"id":2,"image_id":1,"category_id":3,"bbox":[30,0,5,20],"area":100,"iscrowd":0,"ignore":0,"track_id":2,
   "segmentation":{"size":[30,40],"counts":[900,20,10,20,10,20,10,20,10,20,160]}},
  {"id":3,"image_id":2,"category_id":1,"bbox":[12,5,10,10],"area":100,"iscrowd":0,"ignore":0,"track_id":1,
   "attributes":{"color":"blue","type":"sedan"},"segmentation":%s},
  {"id":4,"image_id":2,"category_id":1,"bbox":[0,20,4,4],"area":16,"iscrowd":0,"ignore":1,"track_id":3,
   "segmentation":{"size":[30,40],"counts":[20,4,26,4,26,4,26,4,1086]}}]}`

// square is the uncompressed RLE of the 10x10 square at (x, 5) in a 30x40
// frame (column-major: 10 columns of [5 zeros, 10 ones, 15 zeros]).
func square(x int) string {
	counts := []string{fmt.Sprint(x*30 + 5)}
	for i := range 10 {
		if i > 0 {
			counts = append(counts, "20")
		}
		counts = append(counts, "10")
	}
	counts = append(counts, fmt.Sprint(1200-(x+10)*30+15))
	return `{"size":[30,40],"counts":[` + strings.Join(counts, ",") + `]}`
}

// kittiLine is a deepstream-app KITTI line (tracker output when id ≥ 0).
func kittiLine(label string, id int, l, t, r, b, conf float64) string {
	tid := ""
	if id >= 0 {
		tid = fmt.Sprintf(" %d", id)
	}
	return fmt.Sprintf("%s%s 0.0 0 0.0 %f %f %f %f 0.0 0.0 0.0 0.0 0.0 0.0 0.0 %f\n", label, tid, l, t, r, b, conf)
}

// write creates files (name → content) under dir, making directories.
func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, s := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// fixture writes a clip's ground truth and predictions of every kind.
func fixture(t *testing.T) string {
	dir := t.TempDir()
	write(t, dir, map[string]string{
		"c.gt.json": fmt.Sprintf(clip, square(10), square(12)),
		"c.gt.txt":  "1,1,10,5,10,10,1,1,1\n1,2,30,0,5,20,1,3,1\n2,1,12,5,10,10,1,1,1\n2,3,0,20,4,4,0,1,0.1\n",
		// Detector output: perfect, plus a detection on the ignored car
		// and a label the ground truth does not have.
		"kitti/00_000_000000.txt": kittiLine("car", -1, 10, 5, 20, 15, 0.9) + kittiLine("Person", -1, 30, 0, 35, 20, 0.8),
		"kitti/00_000_000001.txt": kittiLine("Car", -1, 12, 5, 22, 15, 0.7) + kittiLine("Car", -1, 0, 20, 4, 24, 0.95) +
			kittiLine("Dog", -1, 1, 1, 5, 5, 0.5),
		// Tracker output of two streams; stream 0 switches the car's id.
		"tracks/00_000_000000.txt": kittiLine("Car", 5, 10, 5, 20, 15, 1) + kittiLine("Person", 6, 30, 0, 35, 20, 1),
		"tracks/00_000_000001.txt": kittiLine("Car", 7, 12, 5, 22, 15, 1),
		"tracks/00_001_000000.txt": kittiLine("Car", 5, 10, 5, 20, 15, 1) + kittiLine("Person", 6, 30, 0, 35, 20, 1),
		"tracks/00_001_000001.txt": kittiLine("Car", 5, 12, 5, 22, 15, 1),
		"results.json": `[{"image_id":1,"category_id":1,"bbox":[10,5,10,10],"score":0.9,"segmentation":` + square(10) +
			`,"attributes":{"color":"red","type":"suv"}},
			{"image_id":2,"category_id":1,"bbox":[12,5,10,10],"score":0.8,"segmentation":` + square(13) +
			`,"attributes":{"color":"blue","type":"sedan"}}]`,
		"bad/00_000_000000.txt": "Car 1 2\n",
	})
	return dir
}

// dseval runs the command and returns its exit status and output.
func dseval(args ...string) (int, string, string) {
	var out, errOut bytes.Buffer
	rc := run(args, &out, &errOut)
	return rc, out.String(), errOut.String()
}

func TestCommandSummaries(t *testing.T) {
	d := fixture(t)
	p := func(name string) string { return filepath.Join(d, name) }
	for _, c := range []struct {
		args  []string
		first string
		more  []string
	}{
		{[]string{"det", "--gt", p("c.gt.json"), "--pred", p("kitti"), "--name", "resnet"},
			"eval resnet: mAP@0.5=1.000 mAP@0.5:0.95=1.000", []string{`"Dog" (1)`, "Roadsign"}},
		// The person is missed (AP 0). The car's mask in frame 1 is shifted
		// by one column, IoU 90/110 = 0.82: a hit at IoU 0.50-0.80, a miss
		// from 0.85 (AP 51/101 there), so car AP = (7 + 3·51/101)/10 = 0.851
		// and the mean over car and person 0.426.
		{[]string{"mask", "--gt", p("c.gt.json"), "--pred", p("results.json")},
			"eval results: mask-mAP@0.5=0.500 mask-mAP@0.5:0.95=0.426", nil},
		{[]string{"det", "--gt", p("c.gt.json"), "--pred", p("results.json")},
			"eval results: mAP@0.5=0.500 mAP@0.5:0.95=0.500", nil}, // the person is missed
		{[]string{"cls", "--gt", p("c.gt.json"), "--pred", p("results.json"), "--attr", "type"},
			"eval results: accuracy=0.500", []string{"2 matched", "1 correct"}},
		{[]string{"cls", "--gt", p("c.gt.json"), "--pred", p("results.json"), "--attr", "color"},
			"eval results: accuracy=1.000", nil},
		// Stream 0: the car's id changes in frame 1 → one switch of 3 objects.
		{[]string{"mot", "--gt", p("c.gt.txt"), "--pred", p("tracks"), "--source", "0"},
			"eval tracks: MOTA=0.667 MOTP=1.000 IDF1=0.667 IDsw=1", nil},
		{[]string{"mot", "--gt", p("c.gt.json"), "--pred", p("tracks"), "--source", "1", "--name", "nvdcf"},
			"eval nvdcf: MOTA=1.000 MOTP=1.000 IDF1=1.000 IDsw=0", []string{"1 ignored object"}},
		// Pooled: both streams against the same clip, 6 objects, 1 switch.
		{[]string{"mot", "--gt", p("c.gt.txt"), "--pred", p("tracks"), "--gt", p("c.gt.json"), "--pred", p("tracks"),
			"--source", "0", "--source", "1", "--name", "both"},
			"eval both: MOTA=0.833 MOTP=1.000 IDF1=0.833 IDsw=1", nil},
		{[]string{"mot", "--gt", p("c.gt.txt"), "--pred", p("tracks"), "--source", "0", "--class", "person"},
			"eval tracks: MOTA=1.000 MOTP=1.000 IDF1=1.000 IDsw=0", nil},
	} {
		rc, out, errOut := dseval(c.args...)
		if rc != 0 {
			t.Errorf("%v: exit %d: %s", c.args, rc, errOut)
			continue
		}
		if first, _, _ := strings.Cut(out, "\n"); first != c.first {
			t.Errorf("%v:\n got %q\nwant %q", c.args[:1], first, c.first)
		}
		for _, s := range c.more {
			if !strings.Contains(out, s) {
				t.Errorf("%v: output lacks %q:\n%s", c.args[:1], s, out)
			}
		}
	}
}

func TestCommandJSON(t *testing.T) {
	d := fixture(t)
	rc, out, errOut := dseval("mot", "--gt", filepath.Join(d, "c.gt.txt"), "--pred", filepath.Join(d, "tracks"), "--source", "0", "--json")
	if rc != 0 {
		t.Fatalf("exit %d: %s", rc, errOut)
	}
	var v struct {
		Name, Task string
		Result     map[string]any
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if v.Task != "mot" || v.Result["switches"] != 1.0 || v.Result["objects"] != 3.0 {
		t.Fatalf("%+v", v)
	}
	// A clip without objects has undefined ratios: null, not invalid JSON.
	write(t, d, map[string]string{"empty.txt": "1,9,100,100,5,5,1,-1,-1,-1\n"})
	rc, out, errOut = dseval("mot", "--gt", filepath.Join(d, "c.gt.txt"), "--pred", filepath.Join(d, "empty.txt"), "--class", "Bicycle", "--json")
	if rc != 0 || !strings.Contains(out, `"mota": null`) {
		t.Fatalf("exit %d: %s%s", rc, out, errOut)
	}
	rc, out, _ = dseval("det", "--gt", filepath.Join(d, "c.gt.json"), "--pred", filepath.Join(d, "kitti"), "--json")
	if rc != 0 || !strings.Contains(out, `"map50": 1`) || !strings.Contains(out, `"Dog": 1`) {
		t.Fatalf("det --json: %s", out)
	}
}

func TestCommandErrors(t *testing.T) {
	d := fixture(t)
	p := func(name string) string { return filepath.Join(d, name) }
	for _, c := range []struct {
		args []string
		rc   int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"map"}, 2, `unknown task "map"`},
		{[]string{"det", "--gt", p("c.gt.json")}, 2, "pairs"},
		{[]string{"cls", "--gt", p("c.gt.json"), "--pred", p("results.json")}, 2, "--attr"},
		{[]string{"det", "--gt", p("c.gt.json"), "--pred", p("kitti"), "--source", "x"}, 2, "source"},
		{[]string{"det", "--gt", p("missing.json"), "--pred", p("kitti")}, 1, "missing.json"},
		{[]string{"det", "--gt", p("c.gt.json"), "--pred", p("bad")}, 1, "00_000_000000.txt:1"},
		{[]string{"mot", "--gt", p("c.gt.txt"), "--pred", p("tracks")}, 1, "source 1"},
		{[]string{"mot", "--gt", p("c.gt.txt"), "--pred", p("kitti")}, 1, "no track id"},
		{[]string{"mot", "--gt", p("c.gt.txt"), "--pred", p("tracks"), "--source", "0", "--class", "Tram"}, 2, "Car (1)"},
		{[]string{"mask", "--gt", p("c.gt.json"), "--pred", p("kitti")}, 1, "no mask"},
	} {
		rc, _, errOut := dseval(c.args...)
		if rc != c.rc || !strings.Contains(errOut, c.msg) {
			t.Errorf("%v: exit %d, %q; want exit %d mentioning %q", c.args, rc, errOut, c.rc, c.msg)
		}
	}
}
