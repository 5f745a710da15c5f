package parsers

import "math"

// dbscan is DeepStream's DBSCAN box clustering (NvDsInferDBScanCluster),
// with its scratch memory. The distance of two boxes is 1 - IoU; boxes
// closer than eps are neighbours; a box with at least MinBoxes-1
// neighbours is a core box. As in DeepStream, a cluster grows from a core
// box through its direct neighbours, taking in the neighbours of those
// that are core boxes too (one level, not transitively), and neighbours
// that are not core boxes stay unlabelled.
type dbscan struct {
	dist      []float32 // n*n
	nbrs      []int32   // n*n neighbour lists
	isNbr     []bool    // n*n
	counts    []int
	labels    []int
	visited   []bool
	clustered []Object
}

// grow resizes the scratch for n boxes and resets it.
func (d *dbscan) grow(n int) {
	if cap(d.dist) < n*n {
		d.dist = make([]float32, n*n)
		d.nbrs = make([]int32, n*n)
		d.isNbr = make([]bool, n*n)
	}
	d.dist, d.nbrs, d.isNbr = d.dist[:n*n], d.nbrs[:n*n], d.isNbr[:n*n]
	clear(d.isNbr)
	d.counts = resize(d.counts, n, 0)
	d.labels = resize(d.labels, n, -1)
	if cap(d.visited) < n {
		d.visited = make([]bool, n)
	}
	d.visited = d.visited[:n]
	clear(d.visited)
}

func resize(s []int, n, v int) []int {
	if cap(s) < n {
		s = make([]int, n)
	}
	s = s[:n]
	for i := range s {
		s[i] = v
	}
	return s
}

// cluster clusters one class's boxes in place and returns the clustered
// slice of objs. With hybrid it only drops the unlabelled boxes, for NMS
// to finish; otherwise each cluster whose summed confidence reaches
// DBSCANMinScore becomes its members' confidence-weighted mean box with
// their highest confidence, unless it fails the area-to-hit-ratio filter.
func (d *dbscan) cluster(objs []Object, p *ClassParams, hybrid bool) []Object {
	n := len(objs)
	d.grow(n)
	for i := range n {
		for j := i + 1; j < n; j++ {
			x := dbscanDistance(objs[i], objs[j])
			d.dist[i*n+j], d.dist[j*n+i] = x, x
		}
	}
	nclusters := 0
	for i := range n {
		if d.visited[i] {
			continue
		}
		d.visited[i] = true
		d.findNeighbors(i, n, p.EPS)
		count := d.counts[i]
		if count+1 < p.MinBoxes {
			continue
		}
		d.labels[i] = nclusters
		for k := range count { // only the neighbours found so far
			j := int(d.nbrs[i*n+k])
			if d.visited[j] {
				continue
			}
			d.visited[j] = true
			d.findNeighbors(j, n, p.EPS)
			if d.counts[j]+1 >= p.MinBoxes {
				d.join(i, j, n)
				d.labels[j] = nclusters
			}
		}
		nclusters++
	}
	if hybrid {
		kept := objs[:0]
		for i, o := range objs {
			if d.labels[i] != -1 {
				kept = append(kept, o)
			}
		}
		return kept
	}
	return d.merge(objs, nclusters, p)
}

// merge replaces objs by the clusters' mean boxes.
func (d *dbscan) merge(objs []Object, nclusters int, p *ClassParams) []Object {
	d.clustered = d.clustered[:0]
	for c := range nclusters {
		var sx, sy, sw, sh, total, best float32
		members := 1 // DeepStream starts its count at one
		for i, o := range objs {
			if d.labels[i] != c {
				continue
			}
			best = max(best, o.Confidence)
			total += o.Confidence
			sx += o.Confidence * o.Left
			sy += o.Confidence * o.Top
			sw += o.Confidence * o.Width
			sh += o.Confidence * o.Height
			members++
		}
		if total < p.DBSCANMinScore {
			continue
		}
		b := Object{ClassID: objs[0].ClassID, Confidence: best,
			Left: sx / total, Top: sy / total, Width: sw / total, Height: sh / total}
		if float32(math.Sqrt(float64(b.Width*b.Height)))/float32(members) > athrThreshold {
			continue
		}
		d.clustered = append(d.clustered, b)
	}
	return append(objs[:0], d.clustered...)
}

// findNeighbors appends to box i's neighbour list the boxes closer than eps.
func (d *dbscan) findNeighbors(i, n int, eps float32) {
	k := d.counts[i]
	for j := range n {
		if j != i && d.dist[i*n+j] < eps {
			d.nbrs[i*n+k] = int32(j)
			d.isNbr[i*n+j] = true
			k++
		}
	}
	d.counts[i] = k
}

// join adds src's neighbours to dst's list.
func (d *dbscan) join(dst, src, n int) {
	k := d.counts[dst]
	for m := range d.counts[src] {
		j := int(d.nbrs[src*n+m])
		if !d.isNbr[dst*n+j] {
			d.nbrs[dst*n+k] = int32(j)
			d.isNbr[dst*n+j] = true
			k++
		}
	}
	d.counts[dst] = k
}

// dbscanDistance is 1 - IoU, as DeepStream's DBSCAN measures it.
func dbscanDistance(a, b Object) float32 {
	l, t := max(a.Left, b.Left), max(a.Top, b.Top)
	r, btm := min(a.Left+a.Width, b.Left+b.Width), min(a.Top+a.Height, b.Top+b.Height)
	inter := max(0, r-l) * max(0, btm-t)
	return 1 - inter/(a.Width*a.Height+b.Width*b.Height-inter)
}
