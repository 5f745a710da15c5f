package eval

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// deepstream-app (sources/apps/sample_apps/deepstream-app/deepstream_app.c,
// write_kitti_output and write_kitti_track_output) writes one file per
// frame and stream:
//
//	g_snprintf(bbox_file, ..., "%s/%02u_%03u_%06lu.txt", dir,
//	    appCtx->index, frame_meta->pad_index, frame_meta->frame_num);
//
// that is <app index>_<source (pad) index>_<0-based frame number>.txt, and
// one line per object:
//
//	detector: "%s 0.0 0 0.0 %f %f %f %f 0.0 0.0 0.0 0.0 0.0 0.0 0.0 %f\n"
//	          label, left, top, right, bottom, confidence
//	tracker:  "%s %lu 0.0 0 0.0 %f %f %f %f 0.0 0.0 0.0 0.0 0.0 0.0 0.0 %f\n"
//	          label, object_id, left, top, right, bottom, tracker confidence
//
// DeepStream 4.0 and 5.0 wrote "%d.00" (integer) coordinates and no
// confidence; DeepStream 7 may append visibility and foot x, y to tracker
// lines. All are read.

// KITTIName is what a deepstream-app KITTI file name carries.
type KITTIName struct {
	App, Source, Frame int
}

// ParseKITTIName parses "AA_SSS_FFFFFF.txt" (app index, source id, 0-based
// frame number; the widths are minimums) or a bare "FFFFFF.txt" (source 0).
func ParseKITTIName(name string) (KITTIName, error) {
	base, ok := strings.CutSuffix(name, ".txt")
	if !ok {
		return KITTIName{}, fmt.Errorf("%q: not a .txt file", name)
	}
	parts := strings.Split(base, "_")
	nums := make([]int, len(parts))
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 31)
		if err != nil {
			return KITTIName{}, fmt.Errorf("%q: not a deepstream-app KITTI name (AA_SSS_FFFFFF.txt)", name)
		}
		nums[i] = int(n)
	}
	switch len(nums) {
	case 3:
		return KITTIName{App: nums[0], Source: nums[1], Frame: nums[2]}, nil
	case 1:
		return KITTIName{Frame: nums[0]}, nil
	}
	return KITTIName{}, fmt.Errorf("%q: not a deepstream-app KITTI name (AA_SSS_FFFFFF.txt)", name)
}

// KITTIObject is one line of a deepstream-app KITTI file.
type KITTIObject struct {
	Label    string
	TrackID  uint64
	HasTrack bool
	// Box is converted from KITTI's left, top, right, bottom.
	Box Box
	// Score is the confidence, 1 when the line has none (DeepStream ≤ 5.0).
	Score    float64
	HasScore bool
}

// isInteger reports whether s is a plain unsigned decimal integer.
func isInteger(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseKITTILine parses one object line. The label may contain spaces
// (e.g. "traffic light"); the numeric fields are counted from the end: 14
// (detector, no confidence), 15 (detector with confidence, or a DeepStream
// 5.0 tracker line whose first number is an integer id), 16 (tracker with
// confidence) or 19 (tracker with visibility and foot position). A label
// that itself ends in a number can therefore be misread.
func ParseKITTILine(line string) (KITTIObject, error) {
	f := strings.Fields(line)
	if len(f) < 15 {
		return KITTIObject{}, fmt.Errorf("%d fields, want at least 15", len(f))
	}
	m := 0
	for i := len(f) - 1; i >= 1; i-- {
		if _, err := strconv.ParseFloat(f[i], 64); err != nil {
			break
		}
		m++
	}
	tail := f[len(f)-m:]
	var o KITTIObject
	switch {
	case m == 14:
	case m == 15 && isInteger(tail[0]) && strings.ContainsRune(tail[1], '.'):
		o.HasTrack = true
	case m == 15:
		o.HasScore = true
	case m == 16 || m == 19:
		o.HasTrack, o.HasScore = true, true
	default:
		return KITTIObject{}, fmt.Errorf("%d numeric fields after the label, want 14, 15, 16 or 19", m)
	}
	o.Label = strings.Join(f[:len(f)-m], " ")
	if o.HasTrack {
		id, err := strconv.ParseUint(tail[0], 10, 64)
		if err != nil {
			return KITTIObject{}, fmt.Errorf("track id %q is not an unsigned integer", tail[0])
		}
		o.TrackID = id
		tail = tail[1:]
	}
	var v [4]float64
	for i := range v {
		v[i], _ = strconv.ParseFloat(tail[3+i], 64) // numeric: checked above
	}
	o.Box = Box{X: v[0], Y: v[1], W: v[2] - v[0], H: v[3] - v[1]}
	if !o.Box.valid() {
		return KITTIObject{}, fmt.Errorf("box left,top,right,bottom = %v is not a box", v)
	}
	o.Score = 1
	if o.HasScore {
		o.Score, _ = strconv.ParseFloat(tail[14], 64)
		if o.Score != o.Score {
			return KITTIObject{}, fmt.Errorf("confidence is NaN")
		}
	}
	return o, nil
}

// KITTIOptions select what ReadKITTIDir reads.
type KITTIOptions struct {
	// Source is the stream (pad index) whose files are read; -1 reads the
	// only source the directory has and fails when it has several.
	Source int
}

// kittiFile is one file of a KITTI directory.
type kittiFile struct {
	name string
	KITTIName
}

// listKITTI returns the files of the chosen source, sorted by frame.
func listKITTI(dir string, opt KITTIOptions) ([]kittiFile, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []kittiFile
	type key struct{ app, source int }
	seen := map[key]bool{}
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		n, err := ParseKITTIName(e.Name())
		if err != nil {
			return nil, err
		}
		seen[key{n.App, n.Source}] = true
		if opt.Source < 0 || n.Source == opt.Source {
			files = append(files, kittiFile{e.Name(), n})
		}
	}
	var keys []key
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].source < keys[j].source || keys[i].source == keys[j].source && keys[i].app < keys[j].app
	})
	var avail []string
	for _, k := range keys {
		avail = append(avail, fmt.Sprintf("app %d source %d", k.app, k.source))
	}
	switch {
	case len(keys) == 0:
		return nil, fmt.Errorf("no deepstream-app KITTI files (AA_SSS_FFFFFF.txt)")
	case len(files) == 0:
		return nil, fmt.Errorf("no files of source %d (has %s)", opt.Source, strings.Join(avail, ", "))
	}
	for i := 1; i < len(files); i++ {
		if files[i].App != files[0].App || files[i].Source != files[0].Source {
			return nil, fmt.Errorf("files of several streams (%s): choose one source", strings.Join(avail, ", "))
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Frame < files[j].Frame })
	return files, nil
}

// ReadKITTIDir reads a deepstream-app gie-kitti-output-dir or
// kitti-track-output-dir. Each file's frame number is the 0-based frame of
// the ground-truth image it belongs to; labels map to gt's categories by
// name, ignoring case (UnknownCategory when none has the name).
func ReadKITTIDir(dir string, gt *GroundTruth, opt KITTIOptions) ([]Prediction, error) {
	files, err := listKITTI(dir, opt)
	if err != nil {
		return nil, fmt.Errorf("KITTI %s: %w", dir, err)
	}
	cats := map[string]int{}
	var out []Prediction
	for _, f := range files {
		imageID, err := gt.imageIDForFrame(f.Frame)
		if err != nil {
			return nil, fmt.Errorf("KITTI %s: %w", f.name, err)
		}
		data, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			return nil, fmt.Errorf("KITTI: %w", err)
		}
		out, err = appendKITTI(out, data, f.Frame, imageID, gt, cats)
		if err != nil {
			return nil, fmt.Errorf("KITTI %s:%w", filepath.Join(dir, f.name), err)
		}
	}
	return out, nil
}

// appendKITTI parses one file's lines and appends its predictions.
func appendKITTI(out []Prediction, data []byte, frame, imageID int, gt *GroundTruth, cats map[string]int) ([]Prediction, error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		o, err := ParseKITTILine(line)
		if err != nil {
			return out, fmt.Errorf("%d: %w", n, err)
		}
		cat, ok := cats[o.Label]
		if !ok {
			cat = UnknownCategory
			if id, found := gt.CategoryByName(o.Label); found {
				cat = id
			}
			cats[o.Label] = cat
		}
		out = append(out, Prediction{ImageID: imageID, Frame: frame, CategoryID: cat, Label: o.Label,
			Box: o.Box, Score: o.Score, TrackID: int64(o.TrackID), HasTrack: o.HasTrack})
	}
	return out, sc.Err()
}
