package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/dsgo/dsgo/eval"
)

// ap formats an AP or recall value; -1 (no ground truth) prints as "-".
func ap(v float64) string {
	if v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.3f", v)
}

// printDet prints the summary line and the per-class table of det/mask.
func printDet(w io.Writer, o *options, r *eval.DetReport) {
	prefix := "mAP"
	if o.task == "mask" {
		prefix = "mask-mAP"
	}
	fmt.Fprintf(w, "eval %s: %s@0.5=%.3f %s@0.5:0.95=%.3f\n", o.name, prefix, r.MAP50, prefix, r.MAP)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\tgt\tignored\tdets\tTP@0.5\tFP@0.5\tAP@0.5\tAP@0.75\tAP@0.5:0.95\trecall@0.5\t")
	for _, c := range r.Classes {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t\n", c.Name, c.GT, c.Ignored, c.Dets, c.TP50, c.FP50,
			ap(c.AP50), ap(c.AP75), ap(c.AP), ap(c.Recall50))
	}
	tw.Flush()
	fmt.Fprintf(w, "%d images, %d clip(s); mean over classes with ground truth (pycocotools, area all, 100 detections per image)\n",
		r.Images, len(o.gts))
	printSkipped(w, r.Skipped)
}

// printSkipped lists predictions whose labels no ground-truth category has.
func printSkipped(w io.Writer, skipped map[string]int) {
	if len(skipped) == 0 {
		return
	}
	labels := make([]string, 0, len(skipped))
	for l := range skipped {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	for i, l := range labels {
		labels[i] = fmt.Sprintf("%q (%d)", l, skipped[l])
	}
	fmt.Fprintf(w, "not evaluated, label not in the ground truth: %s\n", strings.Join(labels, ", "))
}

// printAttr prints the classification result.
func printAttr(w io.Writer, o *options, r *eval.AttrReport) {
	fmt.Fprintf(w, "eval %s: accuracy=%.3f\n", o.name, r.Accuracy)
	fmt.Fprintf(w, "attribute %q: %d ground-truth objects, %d matched by a prediction (IoU >= 0.5), %d correct, %d without a matching prediction\n",
		r.Attribute, r.GT, r.Matched, r.Correct, r.Unmatched)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "value\tgt\tmatched\tcorrect\taccuracy\tpredicted as\t")
	for _, v := range r.Values {
		var conf []string
		for got, n := range r.Confusion[v.Value] {
			conf = append(conf, fmt.Sprintf("%s:%d", got, n))
		}
		sort.Strings(conf)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.3f\t%s\t\n", v.Value, v.GT, v.Matched, v.Correct, v.Accuracy, strings.Join(conf, " "))
	}
	tw.Flush()
}

// printMOT prints the tracking result.
func printMOT(w io.Writer, o *options, r *eval.TrackReport) {
	fmt.Fprintf(w, "eval %s: MOTA=%.3f MOTP=%.3f IDF1=%.3f IDsw=%d\n", o.name, r.MOTA, r.MOTP, r.IDF1, r.Switches)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "IDP\tIDR\tprecision\trecall\tFP\tFN\tIDsw\tfrag\tMT\tPT\tML\tobjects\tpredictions\tframes\t")
	fmt.Fprintf(tw, "%.3f\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.IDP, r.IDR, r.Precision, r.Recall,
		r.FP, r.FN, r.Switches, r.Fragmentations, r.MostlyTracked, r.PartiallyTracked, r.MostlyLost, r.Objects, r.Predictions, r.Frames)
	tw.Flush()
	fmt.Fprintf(w, "MOTP is the mean IoU of matched pairs (py-motmetrics' motp, the mean 1-IoU, is %.3f); IoU >= %g matches\n",
		r.MOTPDist, o.iou)
	fmt.Fprintf(w, "%d ignored object occurrences and the %d predictions on them were left out\n", r.IgnoredObjects, r.RemovedPredictions)
	printSkipped(w, r.Skipped)
}

// writeJSON prints {"name", "task", "result"}; ratios that are undefined
// (NaN, ±Inf: e.g. MOTA of a clip without objects) become null.
func writeJSON(w io.Writer, o *options, result any) error {
	out := map[string]any{"name": o.name, "task": o.task, "result": jsonSafe(reflect.ValueOf(result))}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// jsonSafe converts v to maps, slices and scalars (struct fields named by
// their json tags) with non-finite floats as nil.
func jsonSafe(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return jsonSafe(v.Elem())
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
		return nil
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, rest, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if strings.Contains(rest, "omitempty") && v.Field(i).IsZero() {
				continue
			}
			m[name] = jsonSafe(v.Field(i))
		}
		return m
	case reflect.Slice:
		s := make([]any, v.Len())
		for i := range s {
			s[i] = jsonSafe(v.Index(i))
		}
		return s
	case reflect.Map:
		m := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			m[fmt.Sprint(it.Key().Interface())] = jsonSafe(it.Value())
		}
		return m
	}
	return v.Interface()
}
