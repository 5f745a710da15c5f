// Command dseval measures detector, segmentation, classifier and tracker
// output against ground truth (package eval), as pycocotools and
// py-motmetrics would:
//
//	dseval det  --gt clip.gt.json --pred kitti_dir/ [--name model]   # box mAP
//	dseval mask --gt clip.gt.json --pred results.json                # mask mAP
//	dseval cls  --gt clip.gt.json --pred results.json --attr color   # attribute accuracy
//	dseval mot  --gt clip.gt.txt  --pred kitti_track_dir/            # MOTA, MOTP, IDF1
//	dseval run  --infer config_infer_primary.txt clip.mp4...        # run dsgo, then det/mask/cls
//
// --pred takes a deepstream-app KITTI directory (gie-kitti-output-dir or
// kitti-track-output-dir), a COCO results file (.json) or MOT text. Give
// --gt/--pred pairs several times to pool clips; --source picks the stream
// of a KITTI directory written from several sources (once for all pairs,
// or once per pair). --json prints the full result as JSON. The first
// line of the text output is the summary, e.g.
//
//	eval model: mAP@0.5=0.812 mAP@0.5:0.95=0.534
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dsgo/dsgo/eval"
)

const usage = `usage: dseval det  --gt clip.gt.json --pred <kitti dir|results.json|mot.txt> [--name N] [--json]
       dseval mask --gt clip.gt.json --pred results.json [--name N] [--json]
       dseval cls  --gt clip.gt.json --pred results.json --attr color|type [--name N] [--json]
       dseval mot  --gt <clip.gt.txt|clip.gt.json> --pred <kitti track dir|mot.txt|results.json>
                   [--class NAME|ID] [--iou 0.5] [--name N] [--json]
       dseval run  --infer pgie.txt [--sgie sgie.txt --attr A [--gt-objects]] [--masks] clip.mp4...
                   (runs dsgo's pipeline on each clip, evaluated against clip.gt.json beside it)
--gt/--pred may repeat (one pair per clip, pooled); --source N picks the KITTI stream
(once for all pairs or once per pair).`

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// errUsage marks command-line mistakes (exit status 2).
var errUsage = errors.New("usage")

// run is dseval's main: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	err := runTask(args[0], args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "dseval: %v\n%s\n", err, usage)
		return 2
	}
	fmt.Fprintf(stderr, "dseval %s: %v\n", args[0], err)
	return 1
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// options are the parsed command line of one task.
type options struct {
	task    string
	gts     listFlag
	preds   listFlag
	sources listFlag
	name    string
	json    bool
	attr    string
	class   string
	iou     float64
}

// parse reads a task's flags.
func parse(task string, args []string, stderr io.Writer) (*options, error) {
	o := &options{task: task}
	fs := flag.NewFlagSet("dseval "+task, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&o.gts, "gt", "ground truth: COCO JSON (clip.gt.json) or MOT text (clip.gt.txt); repeat for several clips")
	fs.Var(&o.preds, "pred", "predictions: KITTI directory, COCO results .json or MOT text; one per --gt")
	fs.Var(&o.sources, "source", "source (stream) id to read from KITTI directories; once, or once per pair")
	fs.StringVar(&o.name, "name", "", "name of the evaluated model in the output (default: the first --pred's base name)")
	fs.BoolVar(&o.json, "json", false, "print the result as JSON")
	if task == "cls" {
		fs.StringVar(&o.attr, "attr", "", "attribute to score: color or type")
	}
	if task == "mot" {
		fs.StringVar(&o.class, "class", "", "evaluate one category (name or id); default all, matched within their category")
		fs.Float64Var(&o.iou, "iou", 0.5, "least IoU of a match")
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	switch {
	case fs.NArg() > 0:
		return nil, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	case len(o.gts) == 0 || len(o.gts) != len(o.preds):
		return nil, fmt.Errorf("%w: give --gt and --pred in pairs (%d --gt, %d --pred)", errUsage, len(o.gts), len(o.preds))
	case len(o.sources) > 1 && len(o.sources) != len(o.gts):
		return nil, fmt.Errorf("%w: give --source once or once per pair (%d for %d pairs)", errUsage, len(o.sources), len(o.gts))
	case task == "cls" && o.attr == "":
		return nil, fmt.Errorf("%w: cls needs --attr", errUsage)
	case task == "mot" && (o.iou <= 0 || o.iou > 1):
		return nil, fmt.Errorf("%w: --iou %g must be in (0, 1]", errUsage, o.iou)
	}
	if o.name == "" {
		base := filepath.Base(filepath.Clean(o.preds[0]))
		o.name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	return o, nil
}

// source returns the KITTI source option of pair i.
func (o *options) source(i int) (eval.KITTIOptions, error) {
	s := ""
	switch len(o.sources) {
	case 0:
		return eval.KITTIOptions{Source: -1}, nil
	case 1:
		s = o.sources[0]
	default:
		s = o.sources[i]
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return eval.KITTIOptions{}, fmt.Errorf("%w: --source %q is not a source id", errUsage, s)
	}
	return eval.KITTIOptions{Source: n}, nil
}

// load reads every ground-truth/prediction pair.
func (o *options) load() ([]eval.Clip, error) {
	clips := make([]eval.Clip, len(o.gts))
	for i := range o.gts {
		opt, err := o.source(i)
		if err != nil {
			return nil, err
		}
		g, err := eval.LoadGroundTruth(o.gts[i])
		if err != nil {
			return nil, err
		}
		p, err := eval.LoadPredictions(o.preds[i], g, opt)
		if err != nil {
			return nil, err
		}
		clips[i] = eval.Clip{Name: o.preds[i], GT: g, Pred: p}
	}
	return clips, nil
}

// runTask parses, loads, evaluates and prints one task.
func runTask(task string, args []string, stdout, stderr io.Writer) error {
	switch task {
	case "det", "mask", "cls", "mot":
	case "run":
		return evalRun(args, stdout, stderr)
	default:
		return fmt.Errorf("%w: unknown task %q", errUsage, task)
	}
	o, err := parse(task, args, stderr)
	if err != nil {
		return err
	}
	clips, err := o.load()
	if err != nil {
		return err
	}
	var result any
	var print func(io.Writer)
	switch task {
	case "det", "mask":
		r, err := eval.EvaluateDetections(clips, eval.DetOptions{Masks: task == "mask"})
		if err != nil {
			return err
		}
		result, print = r, func(w io.Writer) { printDet(w, o, r) }
	case "cls":
		r, err := eval.EvaluateAttribute(clips, o.attr)
		if err != nil {
			return err
		}
		result, print = r, func(w io.Writer) { printAttr(w, o, r) }
	case "mot":
		cat, err := category(o.class, clips[0].GT)
		if err != nil {
			return err
		}
		r, err := eval.EvaluateTracking(clips, eval.TrackOptions{Category: cat, IoU: o.iou})
		if err != nil {
			return err
		}
		result, print = r, func(w io.Writer) { printMOT(w, o, r) }
	}
	if o.json {
		return writeJSON(stdout, o, result)
	}
	print(stdout)
	return nil
}

// category resolves --class: a category name (any case) or id of g.
func category(class string, g *eval.GroundTruth) (int, error) {
	if class == "" {
		return 0, nil
	}
	if id, ok := g.CategoryByName(class); ok {
		return id, nil
	}
	if id, err := strconv.Atoi(class); err == nil {
		for _, c := range g.Categories {
			if c.ID == id {
				return id, nil
			}
		}
	}
	var names []string
	for _, c := range g.Categories {
		names = append(names, fmt.Sprintf("%s (%d)", c.Name, c.ID))
	}
	return 0, fmt.Errorf("%w: --class %q is not a category of the ground truth: %s", errUsage, class, strings.Join(names, ", "))
}
