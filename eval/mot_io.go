package eval

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
)

// DefaultCategories are DeepStream's primary-detector classes with COCO
// ids (class id + 1); MOT text ground truth, which carries only the ids,
// takes its names from here.
func DefaultCategories() []Category {
	return []Category{{1, "Car"}, {2, "Bicycle"}, {3, "Person"}, {4, "Roadsign"}}
}

// splitMOT splits a MOT text line into dst, reusing its storage: at commas
// when the line has any (one trailing comma is allowed), else at runs of
// spaces and tabs, as py-motmetrics' loader accepts both.
func splitMOT(line string, dst []string) []string {
	dst = dst[:0]
	if strings.IndexByte(line, ',') >= 0 {
		line = strings.TrimSuffix(line, ",")
		for {
			i := strings.IndexByte(line, ',')
			if i < 0 {
				return append(dst, strings.TrimSpace(line))
			}
			dst = append(dst, strings.TrimSpace(line[:i]))
			line = line[i+1:]
		}
	}
	for {
		line = strings.TrimLeft(line, " \t\r")
		if line == "" {
			return dst
		}
		i := strings.IndexAny(line, " \t\r")
		if i < 0 {
			return append(dst, line)
		}
		dst = append(dst, line[:i])
		line = line[i:]
	}
}

// parseNum parses one numeric field.
func parseNum(s, what string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%s %q is not a number", what, s)
	}
	return v, nil
}

// parseInt parses an integral field that may be written as a float ("3.0").
func parseInt(s, what string) (int64, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	v, err := parseNum(s, what)
	if err != nil {
		return 0, err
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		return 0, fmt.Errorf("%s %q is not an integer", what, s)
	}
	return int64(v), nil
}

// motRow is one parsed line of MOT text.
type motRow struct {
	frame int // 1-based, as written
	id    int64
	box   Box
	conf  float64 // column 7: consider flag (ground truth) or score
	class int     // column 8, -1 when absent
	vis   float64 // column 9, 1 when absent
}

// parseMOTLine parses `frame,id,left,top,width,height[,conf[,class[,vis...]]]`.
func parseMOTLine(f []string) (motRow, error) {
	if len(f) < 6 {
		return motRow{}, fmt.Errorf("%d fields, want at least 6 (frame,id,left,top,width,height)", len(f))
	}
	r := motRow{conf: 1, class: -1, vis: 1}
	fr, err := parseInt(f[0], "frame")
	if err != nil {
		return r, err
	}
	if fr < 1 || fr > math.MaxInt32 {
		return r, fmt.Errorf("frame %d out of range (MOT frames start at 1)", fr)
	}
	r.frame = int(fr)
	if r.id, err = parseInt(f[1], "id"); err != nil {
		return r, err
	}
	var v [4]float64
	for i := range v {
		if v[i], err = parseNum(f[2+i], "box"); err != nil {
			return r, err
		}
	}
	r.box = Box{v[0], v[1], v[2], v[3]}
	if !r.box.valid() {
		return r, fmt.Errorf("negative box size %gx%g", v[2], v[3])
	}
	if len(f) > 6 {
		if r.conf, err = parseNum(f[6], "confidence"); err != nil {
			return r, err
		}
	}
	if len(f) > 7 {
		c, err := parseInt(f[7], "class")
		if err != nil {
			return r, err
		}
		if c < -1 || c > math.MaxInt32 {
			return r, fmt.Errorf("class %d out of range", c)
		}
		r.class = int(c)
	}
	if len(f) > 8 {
		if r.vis, err = parseNum(f[8], "visibility"); err != nil {
			return r, err
		}
	}
	return r, nil
}

// scanMOT calls fn for every non-empty, non-comment line of MOT text.
func scanMOT(r io.Reader, fn func(line int, row motRow) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	fields := make([]string, 0, 16)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fields = splitMOT(line, fields)
		row, err := parseMOTLine(fields)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		if err := fn(n, row); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return nil
}

// ReadMOTGroundTruth reads MOT-challenge ground truth:
// `frame(1-based),id,left,top,width,height,consider,category,visibility`.
// consider=0 marks an ignored object. Each frame that has a row becomes an
// image with id = frame; category names come from DefaultCategories (other
// ids are named "class N").
func ReadMOTGroundTruth(r io.Reader) (*GroundTruth, error) {
	g := &GroundTruth{}
	frames := map[int]bool{}
	cats := map[int]bool{}
	err := scanMOT(r, func(_ int, row motRow) error {
		cat := row.class
		if cat <= 0 {
			return fmt.Errorf("category %d: ground truth needs a category id ≥ 1 in column 8", cat)
		}
		g.Annotations = append(g.Annotations, Annotation{
			ID: len(g.Annotations) + 1, ImageID: row.frame, CategoryID: cat, Box: row.box,
			Area: row.box.W * row.box.H, Ignore: row.conf == 0, TrackID: row.id, HasTrack: true,
			Visibility: row.vis,
		})
		frames[row.frame] = true
		cats[cat] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("MOT ground truth: %w", err)
	}
	for f := range frames {
		g.Images = append(g.Images, Image{ID: f, Frame: f - 1})
	}
	sort.Slice(g.Images, func(i, j int) bool { return g.Images[i].ID < g.Images[j].ID })
	for _, c := range DefaultCategories() {
		g.Categories = append(g.Categories, c)
		delete(cats, c.ID)
	}
	extra := make([]int, 0, len(cats))
	for c := range cats {
		extra = append(extra, c)
	}
	sort.Ints(extra)
	for _, c := range extra {
		g.Categories = append(g.Categories, Category{ID: c, Name: "class " + strconv.Itoa(c)})
	}
	if err := g.index(); err != nil {
		return nil, fmt.Errorf("MOT ground truth: %w", err)
	}
	return g, nil
}

// ReadMOTPredictions reads tracker output in MOT text:
// `frame(1-based),track_id,left,top,width,height,confidence,class,-1,-1`.
// A class column of -1 (or none) leaves the class unknown; otherwise it is
// a category id of gt.
func ReadMOTPredictions(r io.Reader, gt *GroundTruth) ([]Prediction, error) {
	var out []Prediction
	err := scanMOT(r, func(_ int, row motRow) error {
		id, err := gt.imageIDForFrame(row.frame - 1)
		if err != nil {
			return err
		}
		p := Prediction{ImageID: id, Frame: row.frame - 1, CategoryID: NoCategory, Box: row.box,
			Score: row.conf, TrackID: row.id, HasTrack: true}
		if row.class > 0 {
			p.CategoryID = row.class
			if _, ok := gt.catByID[row.class]; !ok {
				p.CategoryID = UnknownCategory
				p.Label = "category " + strconv.Itoa(row.class)
			}
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("MOT predictions: %w", err)
	}
	return out, nil
}
