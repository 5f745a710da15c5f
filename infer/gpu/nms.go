package gpu

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/infer/cpu"
	"github.com/dsgo/dsgo/infer/graph"
	"github.com/dsgo/dsgo/infer/tensor"
)

// NonMaxSuppression runs on the device, inside the captured graph (the
// kernels dsgo_nms_* in infer.cu): scores over the threshold are sorted
// per batch and class as the CPU backend sorts them, a bitmask of the
// pairs that overlap too much is computed in parallel, and one thread
// per batch and class keeps boxes best first. The rows land in one int64
// buffer after the total and an overflow flag; Run copies the head of it
// (the total and the first nmsHeadRows rows) with the other outputs and
// the rest only when more rows were selected.
//
// The bitmask takes candidates²/8 bytes per batch and class, so the
// candidates of one batch and class are limited at compile time to
// nmsCapacity: 64*nmsMaxWords, less when batches × classes would need
// more than nmsMaskBudget bytes (2560 for 80 classes at batch 1, 1280 at
// batch 4). When a batch and class has more candidates than that at run
// time, the device's result is dropped and the CPU backend's kernel runs
// on copies of the boxes and scores instead (kept on the device for that
// only when the boxes outnumber the capacity).

const (
	// nmsMaxWords is NMS_MAX_WORDS in infer.cu: the reduce kernel's
	// per-thread bitmask of suppressed candidates, 64 a word.
	nmsMaxWords = 160
	// nmsMaskBudget bounds the device memory of the suppression bitmask.
	nmsMaskBudget = 64 << 20
	// nmsHeadRows are the rows copied back on every run.
	nmsHeadRows = 1024
)

// nmsCapacity returns how many candidates per batch and class the
// device sorts and masks: all boxes when the bitmask's budget allows.
func nmsCapacity(segments, boxes int) int {
	c := min(boxes, 64*nmsMaxWords)
	for c > 64 && segments*c*((c+63)/64)*8 > nmsMaskBudget {
		c = (c - 1) / 64 * 64
	}
	return c
}

// lowerNMS computes NonMaxSuppression on the device; its output's length
// depends on the data, so, as on the CPU, it is produced on the host by
// Run: a graph output, or the input of the nodes after it, which run on
// the CPU backend (bindTail).
func lowerNMS(p *Program, n *graph.Node) error {
	prm, err := cpu.NMSParamsOf(n)
	if err != nil {
		return err
	}
	bb, err := p.val(n.In(0))
	if err != nil {
		return err
	}
	sb, err := p.val(n.In(1))
	if err != nil {
		return err
	}
	if bb, err = p.canon(bb); err != nil {
		return err
	}
	if sb, err = p.canon(sb); err != nil {
		return err
	}
	bs, ss := bb.shape, sb.shape
	if len(bs) != 3 || bs[2] != 4 || len(ss) != 3 || ss[0] != bs[0] || ss[2] != bs[1] {
		return fmt.Errorf("boxes %v and scores %v must be [B,N,4] and [B,C,N]", bs, ss)
	}
	if !bb.dt.float() || !sb.dt.float() {
		return fmt.Errorf("boxes of type %v and scores of type %v must be float", bb.dt, sb.dt)
	}
	batches, classes, boxes := ss[0], ss[1], ss[2]
	rows := cpu.NMSMaxSelected(batches, classes, boxes, prm.MaxOutputPerClass)
	out := n.Outputs[0]
	if rows == 0 {
		y := &tensor.Tensor{Name: out.Name, DType: tensor.Int64, Shape: tensor.Shape{0, 3}, Raw: []byte{}}
		p.hostValue(out, y)
		return nil
	}
	mcap := nmsCapacity(batches*classes, boxes)
	kp := &nmsParams{Batches: int32(batches), Classes: int32(classes), N: int32(boxes), Mcap: int32(mcap),
		Words: int32((mcap + 63) / 64), MaxOut: int32(min(boxes, prm.MaxOutputPerClass)), BoxDtype: int32(bb.dt),
		ScoreDtype: int32(sb.dt), IOUThr: prm.IOUThreshold, ScoreThr: prm.ScoreThreshold}
	if prm.CenterPointBox {
		kp.Center = 1
	}
	res, head := p.nmsKernels(n.Name, bb, sb, kp, rows)

	// The host's part: the rows, or the CPU backend's kernel when a batch
	// and class had more candidates than the device took.
	y := &tensor.Tensor{Name: out.Name, DType: tensor.Int64, Shape: tensor.Shape{rows, 3}, Raw: make([]byte, 8*3*rows)}
	var fallback func() error
	if boxes > mcap {
		if y, fallback, err = p.nmsOnHost(out.Name, bb, sb, prm); err != nil {
			return err
		}
	}
	p.hostValue(out, y)
	p.tails = append(p.tails, func() error {
		h := head.host.Raw
		total, over := int64(binary.LittleEndian.Uint64(h)), binary.LittleEndian.Uint64(h[8:])
		if over != 0 {
			if fallback == nil {
				return fmt.Errorf("gpu: %s: more candidates than boxes", n.Name)
			}
			return fallback()
		}
		if total < 0 || total > int64(rows) {
			return fmt.Errorf("gpu: %s: %d rows selected of at most %d", n.Name, total, rows)
		}
		k := int(total)
		y.Shape[0] = k
		y.Raw = y.Raw[:cap(y.Raw)][:24*k]
		if k <= nmsHeadRows {
			copy(y.Raw, h[16:])
			return nil
		}
		s := p.e.s
		if err := cuda.CopyToHost(s, y.Raw, res.dev().Add(16)); err != nil {
			return err
		}
		return s.Synchronize()
	})
	return nil
}

// nmsKernels adds the step that runs the dsgo_nms_* kernels with kp (its
// sizes set) on boxes bb and scores sb. It returns the buffer of the
// result (the total, the overflow flag, then rows int64 rows) and the
// binding through which Run copies the head of it.
func (p *Program) nmsKernels(name string, bb, sb *buf, kp *nmsParams, rows int) (*buf, *binding) {
	segs, boxes, mcap, words := int(kp.Batches*kp.Classes), int(kp.N), int(kp.Mcap), int(kp.Words)
	perClass := int(kp.MaxOut)
	tmp := func(what string, dt dtype, size int) *buf {
		return p.newBuf(name+"."+what, dt, []int{size}, nil)
	}
	cnt, kcnt, offs := tmp("count", dI32, segs), tmp("kept", dI32, segs), tmp("offsets", dI32, segs)
	cand, candScore := tmp("candidates", dI32, segs*mcap), tmp("candidate_scores", dF32, segs*mcap)
	order, corners := tmp("order", dI32, segs*mcap), tmp("corners", dF32, 4*segs*mcap)
	mask, keep := tmp("mask", dI64, segs*words*mcap), tmp("keep", dI32, segs*perClass)
	res := tmp("rows", dI64, 2+3*rows)
	res.last = forever
	hs := []int{2 + 3*min(rows, nmsHeadRows)}
	head := &binding{b: &buf{name: res.name + ".head", dt: dI64, shape: hs, stride: contiguous(hs), base: res},
		host: &tensor.Tensor{Name: res.name, DType: tensor.Int64, Shape: slices.Clone(tensor.Shape(hs))}}
	p.hidden = append(p.hidden, head)

	fn := [6]*cuda.Function{p.e.kern["dsgo_nms_select"], p.e.kern["dsgo_nms_sort"], p.e.kern["dsgo_nms_mask"],
		p.e.kern["dsgo_nms_reduce"], p.e.kern["dsgo_nms_offsets"], p.e.kern["dsgo_nms_write"]}
	threads := [6]int64{int64(segs * boxes), int64(segs * mcap), int64(segs * mcap), int64(segs), 1, int64(segs * perClass)}
	p.step(name, []*buf{bb, sb}, []*buf{cnt, kcnt, offs, cand, candScore, order, corners, mask, keep, res},
		func(st *cuda.Stream) error {
			kp.Boxes, kp.Scores, kp.Cnt, kp.Cand = int64(bb.dev()), int64(sb.dev()), int64(cnt.dev()), int64(cand.dev())
			kp.CandScore, kp.Order, kp.Corners = int64(candScore.dev()), int64(order.dev()), int64(corners.dev())
			kp.Mask, kp.Keep, kp.Kcnt, kp.Offs = int64(mask.dev()), int64(keep.dev()), int64(kcnt.dev()), int64(offs.dev())
			kp.Res = int64(res.dev())
			if err := st.Memset(cnt.dev(), 0, cnt.bytes()); err != nil {
				return err
			}
			for i, f := range fn {
				if err := p.e.launch(st, f, raw(kp), threads[i]); err != nil {
					return err
				}
			}
			return nil
		})
	return res, head
}

// nmsOnHost prepares the CPU backend's NonMaxSuppression on float32
// copies of the boxes and scores that stay on the device after the
// graph: its output tensor and the function that copies them to the host
// and runs it.
func (p *Program) nmsOnHost(name string, bb, sb *buf, prm cpu.NMSParams) (*tensor.Tensor, func() error, error) {
	db, err := p.keepFloat(bb)
	if err != nil {
		return nil, nil, err
	}
	ds, err := p.keepFloat(sb)
	if err != nil {
		return nil, nil, err
	}
	hb := &tensor.Tensor{Name: bb.name, DType: tensor.Float32, Shape: slices.Clone(tensor.Shape(bb.shape)), F32: make([]float32, db.elems())}
	hs := &tensor.Tensor{Name: sb.name, DType: tensor.Float32, Shape: slices.Clone(tensor.Shape(sb.shape)), F32: make([]float32, ds.elems())}
	y, run, err := cpu.NMSOutput(name, hb, hs, prm)
	if err != nil {
		return nil, nil, err
	}
	return y, func() error {
		s := p.e.s
		if err := cuda.CopyToHost(s, hb.F32, db.dev()); err != nil {
			return err
		}
		if err := cuda.CopyToHost(s, hs.F32, ds.dev()); err != nil {
			return err
		}
		if err := s.Synchronize(); err != nil {
			return err
		}
		return run()
	}, nil
}

// keepFloat returns a row-major float32 copy of b that stays on the
// device after the graph (for a host step that may need it).
func (p *Program) keepFloat(b *buf) (*buf, error) {
	c := p.newBuf(b.name+".kept", dF32, b.shape, nil)
	c.last = forever
	if err := p.ew("keep "+b.name, c, []*buf{b}, ewSpec{op: opCopy}); err != nil {
		return nil, err
	}
	return c, nil
}
