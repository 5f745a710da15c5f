package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strconv"

	"github.com/dsgo/dsgo/samples/scene"
)

// cocoInfo is the "info" record of a clip's ground truth: enough to
// regenerate it.
type cocoInfo struct {
	Generator string   `json:"generator"`
	Seed      uint64   `json:"seed"`
	Width     int      `json:"width"`
	Height    int      `json:"height"`
	FPS       int      `json:"fps"`
	Frames    int      `json:"frames"`
	Lighting  string   `json:"lighting"`
	Density   float64  `json:"density"`
	Noise     float64  `json:"noise"`
	Blur      bool     `json:"blur"`
	Dropout   [][2]int `json:"dropout_frames"`
	Video     string   `json:"video"`
}

type cocoImage struct {
	ID       int    `json:"id"`
	FileName string `json:"file_name"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	Frame    int    `json:"frame"`
	Video    string `json:"video"`
}

type cocoCategory struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
}

type cocoAttrs struct {
	Color string `json:"color"`
	Type  string `json:"type"`
}

type cocoRLE struct {
	Size   [2]int `json:"size"`
	Counts []int  `json:"counts"`
}

type cocoAnn struct {
	ID           int        `json:"id"`
	ImageID      int        `json:"image_id"`
	CategoryID   int        `json:"category_id"`
	BBox         [4]int     `json:"bbox"`
	Area         int        `json:"area"`
	IsCrowd      int        `json:"iscrowd"`
	Ignore       int        `json:"ignore"`
	TrackID      int        `json:"track_id"`
	Visibility   float64    `json:"visibility"`
	Attributes   *cocoAttrs `json:"attributes,omitempty"`
	Segmentation cocoRLE    `json:"segmentation"`
}

// gtWriter streams a clip's ground truth into <name>.gt.json (COCO) and
// <name>.gt.txt (MOT) as frames are rendered.
type gtWriter struct {
	jf, tf *os.File
	js, ts *bufio.Writer
	nAnn   int
	counts []int
	line   []byte
	err    error
}

// newGTWriter creates the two files and writes everything of the JSON
// that precedes the annotations.
func newGTWriter(jsonPath, txtPath string, info cocoInfo) (*gtWriter, error) {
	g := &gtWriter{}
	var err error
	if g.jf, err = os.Create(jsonPath); err != nil {
		return nil, err
	}
	if g.tf, err = os.Create(txtPath); err != nil {
		g.jf.Close()
		return nil, err
	}
	g.js, g.ts = bufio.NewWriterSize(g.jf, 1<<20), bufio.NewWriterSize(g.tf, 1<<16)
	images := make([]cocoImage, info.Frames)
	for i := range images {
		images[i] = cocoImage{ID: i + 1, FileName: fmt.Sprintf("%s#%06d", info.Video, i),
			Width: info.Width, Height: info.Height, Frame: i, Video: info.Video}
	}
	cats := make([]cocoCategory, len(scene.ClassNames))
	for i, n := range scene.ClassNames {
		cats[i] = cocoCategory{ID: i + 1, Name: n}
	}
	g.raw(`{"info":`)
	g.value(info)
	g.raw(`,"images":`)
	g.value(images)
	g.raw(`,"categories":`)
	g.value(cats)
	g.raw(`,"annotations":[`)
	return g, g.err
}

func (g *gtWriter) raw(s string) {
	if g.err == nil {
		_, g.err = g.js.WriteString(s)
	}
}

func (g *gtWriter) value(v any) {
	if g.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		g.err = err
		return
	}
	_, g.err = g.js.Write(b)
}

// add writes the annotations of one frame.
func (g *gtWriter) add(f *scene.Frame) error {
	for k := range f.Objects {
		o := &f.Objects[k]
		g.counts = f.RLE(g.counts[:0], o)
		g.nAnn++
		ign := 0
		if o.Ignore {
			ign = 1
		}
		vis := math.Round(o.Visibility*1e4) / 1e4
		a := cocoAnn{ID: g.nAnn, ImageID: f.Index + 1, CategoryID: int(o.Class) + 1,
			BBox: [4]int{o.Box.Min.X, o.Box.Min.Y, o.Box.Dx(), o.Box.Dy()}, Area: o.Area,
			Ignore: ign, TrackID: o.Track, Visibility: vis,
			Segmentation: cocoRLE{Size: [2]int{f.Height, f.Width}, Counts: g.counts}}
		if o.Class == scene.Car {
			a.Attributes = &cocoAttrs{Color: scene.ColorNames[o.Color], Type: scene.TypeNames[o.Type]}
		}
		if g.nAnn > 1 {
			g.raw(",")
		}
		g.value(a)
		// MOT: frame,id,left,top,width,height,consider,class,visibility
		l := g.line[:0]
		for _, v := range []int{f.Index + 1, o.Track, o.Box.Min.X, o.Box.Min.Y, o.Box.Dx(), o.Box.Dy(), 1 - ign, int(o.Class) + 1} {
			l = strconv.AppendInt(l, int64(v), 10)
			l = append(l, ',')
		}
		l = strconv.AppendFloat(l, vis, 'f', -1, 64)
		l = append(l, '\n')
		g.line = l
		if g.err == nil {
			_, g.err = g.ts.Write(l)
		}
	}
	return g.err
}

// close ends the JSON and closes both files.
func (g *gtWriter) close() error {
	g.raw("]}\n")
	for _, w := range []*bufio.Writer{g.js, g.ts} {
		if err := w.Flush(); err != nil && g.err == nil {
			g.err = err
		}
	}
	for _, f := range []*os.File{g.jf, g.tf} {
		if err := f.Close(); err != nil && g.err == nil {
			g.err = err
		}
	}
	return g.err
}
