package eval

import (
	"math"
	"sort"
)

// motAccumulator is py-motmetrics' MOTAccumulator for one clip, with dense ids and
// buffers reused from frame to frame.
type motAccumulator struct {
	maxDist float64
	update  int // number of frames updated so far

	// Per object id.
	m         []int32 // hypothesis last matched, -1 for none
	lastMatch []int   // update of the last match, -1 for none
	occ       []int32 // occurrences
	tracked   []int32 // occurrences matched (MATCH or SWITCH)
	ever      []bool  // matched at least once
	pending   []bool  // missed since the last match
	oFrame    []int   // last frame seen, to count frames (ocs)
	ocs       []int32
	// Per hypothesis id.
	hFrame []int
	hcs    []int32

	pairs map[uint64]int32 // (object, hypothesis) → frames with a valid distance
	nh    uint64

	frags, matches, switches, fp, fn, objects, preds int
	sumDist, sumIoU                                  float64

	asg                  assigner
	dist, sub            []float64
	rowToCol, rows, cols []int
	gMasked, hMasked     []bool
	removed              []bool
	fg, fh               []trackItem
}

// reset prepares the accumulator for a clip with nObj object ids and nHyp
// hypothesis ids.
func (a *motAccumulator) reset(nObj, nHyp int, maxDist float64) {
	a.maxDist, a.update = maxDist, 0
	a.m = fill(a.m, nObj, -1)
	a.lastMatch = fill(a.lastMatch, nObj, -1)
	a.occ = fill(a.occ, nObj, 0)
	a.tracked = fill(a.tracked, nObj, 0)
	a.ever = fill(a.ever, nObj, false)
	a.pending = fill(a.pending, nObj, false)
	a.oFrame = fill(a.oFrame, nObj, math.MinInt)
	a.ocs = fill(a.ocs, nObj, 0)
	a.hFrame = fill(a.hFrame, nHyp, math.MinInt)
	a.hcs = fill(a.hcs, nHyp, 0)
	a.pairs = make(map[uint64]int32)
	a.nh = uint64(nHyp)
	a.frags, a.matches, a.switches, a.fp, a.fn, a.objects, a.preds = 0, 0, 0, 0, 0, 0, 0
	a.sumDist, a.sumIoU = 0, 0
}

// fill returns s resized to n with every element v.
func fill[T any](s []T, n int, v T) []T {
	s = grow(s, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// run feeds the clip's frames (objects and predictions sorted by frame)
// through the accumulator.
func (a *motAccumulator) run(gts, hyps []trackItem, rep *TrackReport) error {
	for i, j := 0, 0; i < len(gts) || j < len(hyps); {
		f := math.MaxInt
		if i < len(gts) {
			f = gts[i].frame
		}
		if j < len(hyps) && hyps[j].frame < f {
			f = hyps[j].frame
		}
		i0, j0 := i, j
		for i < len(gts) && gts[i].frame == f {
			i++
		}
		for j < len(hyps) && hyps[j].frame == f {
			j++
		}
		if err := a.frame(f, gts[i0:i], hyps[j0:j], rep); err != nil {
			return err
		}
	}
	return nil
}

// distances fills a.dist with py-motmetrics' IoU distance 1 - IoU of every
// object and prediction, NaN where the pair may not match (distance above
// maxDist, or different known categories).
func (a *motAccumulator) distances(g, h []trackItem) []float64 {
	a.dist = grow(a.dist, len(g)*len(h))
	for r := range g {
		for c := range h {
			d := math.NaN()
			if g[r].cat == h[c].cat || g[r].cat == NoCategory || h[c].cat == NoCategory {
				if v := 1 - motIoU(g[r].box, h[c].box); !(v > a.maxDist) {
					d = v
				}
			}
			a.dist[r*len(h)+c] = d
		}
	}
	return a.dist
}

// motIoU is py-motmetrics' boxiou of an object and a hypothesis box, with
// its arithmetic: sizes are recomputed from the corners ((x+w)-x), which can
// differ from w in the last bit for fractional coordinates.
func motIoU(o, h Box) float64 {
	ox1, oy1, hx1, hy1 := o.X+o.W, o.Y+o.H, h.X+h.W, h.Y+h.H
	iw := math.Max(math.Min(ox1, hx1)-math.Max(o.X, h.X), 0)
	ih := math.Max(math.Min(oy1, hy1)-math.Max(o.Y, h.Y), 0)
	iv := iw * ih
	if iv == 0 {
		return 0
	}
	ov := math.Max(ox1-o.X, 0) * math.Max(oy1-o.Y, 0)
	hv := math.Max(hx1-h.X, 0) * math.Max(hy1-h.Y, 0)
	return iv / (ov + hv - iv)
}

// dropIgnored removes the ignored objects of a frame and the predictions
// that the assignment matches to them, leaving the rest in a.fg and a.fh.
func (a *motAccumulator) dropIgnored(g, h []trackItem, rep *TrackReport) error {
	a.fg, a.fh = a.fg[:0], a.fh[:0]
	a.removed = fill(a.removed, len(h), false)
	ignored := 0
	for _, o := range g {
		if o.ignore {
			ignored++
		} else {
			a.fg = append(a.fg, o)
		}
	}
	rep.IgnoredObjects += ignored
	if ignored > 0 && len(h) > 0 {
		d := a.distances(g, h)
		a.rowToCol = grow(a.rowToCol, len(g))
		if err := a.asg.solveValid(d, len(g), len(h), a.rowToCol); err != nil {
			return err
		}
		for r, c := range a.rowToCol[:len(g)] {
			if c >= 0 && g[r].ignore {
				a.removed[c] = true
				rep.RemovedPredictions++
			}
		}
	}
	for c, p := range h {
		if !a.removed[c] {
			a.fh = append(a.fh, p)
		}
	}
	return nil
}

// frame is MOTAccumulator.update for one frame.
func (a *motAccumulator) frame(f int, g, h []trackItem, rep *TrackReport) error {
	if err := a.dropIgnored(g, h, rep); err != nil {
		return err
	}
	g, h = a.fg, a.fh
	if len(g) == 0 && len(h) == 0 {
		return nil
	}
	rep.Frames++
	nh := len(h)
	d := a.distances(g, h)
	for r, o := range g {
		a.objects++
		if a.oFrame[o.id] != f {
			a.oFrame[o.id] = f
			a.ocs[o.id]++
		}
		for c := range h {
			if !math.IsNaN(d[r*nh+c]) {
				a.pairs[uint64(o.id)*a.nh+uint64(h[c].id)]++
			}
		}
	}
	for _, p := range h {
		a.preds++
		if a.hFrame[p.id] != f {
			a.hFrame[p.id] = f
			a.hcs[p.id]++
		}
	}
	a.gMasked = fill(a.gMasked, len(g), false)
	a.hMasked = fill(a.hMasked, nh, false)
	// 1. Carry forward the pairs matched in the previous update.
	for r, o := range g {
		if a.m[o.id] < 0 || a.lastMatch[o.id] != a.update-1 {
			continue
		}
		for c, p := range h {
			if a.hMasked[c] || p.id != a.m[o.id] {
				continue
			}
			if !math.IsNaN(d[r*nh+c]) {
				a.gMasked[r], a.hMasked[c] = true, true
				a.pair(o.id, p.id, d[r*nh+c], false)
			}
			break
		}
	}
	// 2. Assign the rest.
	if err := a.assignRest(g, h, d); err != nil {
		return err
	}
	// 3, 4. Misses and false positives; per-object state.
	for r, o := range g {
		a.occ[o.id]++
		if !a.gMasked[r] {
			a.fn++
			if a.ever[o.id] {
				a.pending[o.id] = true
			}
			continue
		}
		a.tracked[o.id]++
		if a.pending[o.id] {
			a.frags++
			a.pending[o.id] = false
		}
		a.ever[o.id] = true
	}
	for c := range h {
		if !a.hMasked[c] {
			a.fp++
		}
	}
	a.update++
	return nil
}

// assignRest solves the assignment of the objects and predictions not
// carried forward and records the pairs.
func (a *motAccumulator) assignRest(g, h []trackItem, d []float64) error {
	nh := len(h)
	a.rows, a.cols = a.rows[:0], a.cols[:0]
	for r := range g {
		if !a.gMasked[r] {
			a.rows = append(a.rows, r)
		}
	}
	for c := range h {
		if !a.hMasked[c] {
			a.cols = append(a.cols, c)
		}
	}
	if len(a.rows) == 0 || len(a.cols) == 0 {
		return nil
	}
	a.sub = grow(a.sub, len(a.rows)*len(a.cols))
	for i, r := range a.rows {
		for j, c := range a.cols {
			a.sub[i*len(a.cols)+j] = d[r*nh+c]
		}
	}
	a.rowToCol = grow(a.rowToCol, len(a.rows))
	if err := a.asg.solveValid(a.sub, len(a.rows), len(a.cols), a.rowToCol); err != nil {
		return err
	}
	for i, j := range a.rowToCol[:len(a.rows)] {
		if j < 0 {
			continue
		}
		r, c := a.rows[i], a.cols[j]
		o, p := g[r].id, h[c].id
		a.gMasked[r], a.hMasked[c] = true, true
		a.pair(o, p, d[r*nh+c], a.m[o] >= 0 && a.m[o] != p)
	}
	return nil
}

// pair records a MATCH or SWITCH of object o with hypothesis p.
func (a *motAccumulator) pair(o, p int32, dist float64, isSwitch bool) {
	if isSwitch {
		a.switches++
	} else {
		a.matches++
	}
	a.sumDist += dist
	a.sumIoU += 1 - dist
	a.m[o] = p
	a.lastMatch[o] = a.update
}

// finish adds the clip's counts, track ratios and identity measures to rep.
func (a *motAccumulator) finish(rep *TrackReport) error {
	rep.Objects += a.objects
	rep.Predictions += a.preds
	rep.Matches += a.matches
	rep.Switches += a.switches
	rep.FP += a.fp
	rep.FN += a.fn
	rep.Fragmentations += a.frags
	rep.sumDist += a.sumDist
	rep.sumIoU += a.sumIoU
	for o, n := range a.occ {
		if n == 0 {
			continue
		}
		rep.UniqueObjects++
		switch ratio := float64(a.tracked[o]) / float64(n); {
		case ratio >= 0.8:
			rep.MostlyTracked++
		case ratio >= 0.2:
			rep.PartiallyTracked++
		default:
			rep.MostlyLost++
		}
	}
	ex, err := a.identityMatches()
	if err != nil {
		return err
	}
	var sumO, sumH int
	for _, n := range a.ocs {
		sumO += int(n)
	}
	for _, n := range a.hcs {
		sumH += int(n)
	}
	idfn := sumO - ex
	rep.IDFN += idfn
	rep.IDTP += a.objects - idfn
	rep.IDFP += sumH - ex
	return nil
}

// idPair is an (object, hypothesis) pair with the frames they overlap in.
type idPair struct {
	o, h int32
	ex   int32
	root int32
}

// identityMatches solves the global identity assignment: object ids to
// hypothesis ids maximising the summed overlap frames. This is the
// optimum of py-motmetrics' (objects+hypotheses)² min-cost problem, whose
// cost is Σ ocs + Σ hcs - 2·Σ matched overlap; it is solved per connected
// component of the overlap graph, which keeps the matrices small.
func (a *motAccumulator) identityMatches() (int, error) {
	no := len(a.ocs)
	parent := make([]int32, no+int(a.nh))
	for i := range parent {
		parent[i] = int32(i)
	}
	find := func(x int32) int32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	pairs := make([]idPair, 0, len(a.pairs))
	for k, ex := range a.pairs {
		o, h := int32(k/a.nh), int32(k%a.nh)
		pairs = append(pairs, idPair{o: o, h: h, ex: ex})
		ro, rh := find(o), find(int32(no)+h)
		if ro != rh {
			parent[ro] = rh
		}
	}
	for i := range pairs {
		pairs[i].root = find(pairs[i].o)
	}
	sort.Slice(pairs, func(i, j int) bool {
		p, q := pairs[i], pairs[j]
		return p.root < q.root || p.root == q.root && (p.o < q.o || p.o == q.o && p.h < q.h)
	})
	local := make([]int32, len(parent))
	total := 0
	for s := 0; s < len(pairs); {
		e := s
		for e < len(pairs) && pairs[e].root == pairs[s].root {
			e++
		}
		n, err := a.solveComponent(pairs[s:e], local, int32(no))
		if err != nil {
			return 0, err
		}
		total += n
		s = e
	}
	return total, nil
}

// solveComponent solves one connected component's assignment and returns
// its matched overlap frames.
func (a *motAccumulator) solveComponent(pairs []idPair, local []int32, no int32) (int, error) {
	var nr, nc int32
	for _, p := range pairs {
		local[p.o], local[no+p.h] = -1, -1
	}
	for _, p := range pairs {
		if local[p.o] < 0 {
			local[p.o] = nr
			nr++
		}
		if local[no+p.h] < 0 {
			local[no+p.h] = nc
			nc++
		}
	}
	a.sub = fill(a.sub, int(nr*nc), 0)
	for _, p := range pairs {
		a.sub[local[p.o]*nc+local[no+p.h]] = -float64(p.ex)
	}
	a.rowToCol = grow(a.rowToCol, int(nr))
	if err := a.asg.solve(a.sub, int(nr), int(nc), a.rowToCol); err != nil {
		return 0, err
	}
	total := 0
	for r, c := range a.rowToCol[:nr] {
		if c >= 0 {
			total -= int(a.sub[r*int(nc)+c])
		}
	}
	return total, nil
}
