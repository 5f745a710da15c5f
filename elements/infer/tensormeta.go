package infer

import (
	"encoding/binary"
	"math"
	"sync"

	"github.com/dsgo/dsgo/meta"
)

// tensorBufs recycles the byte slices of output-tensor-meta: the metadata
// outlives the element's output tensors (they are overwritten by the next
// batch), so each frame gets a copy, returned here when the metadata is
// released downstream.
type tensorBufs struct {
	mu   sync.Mutex
	free [][]byte
}

func (t *tensorBufs) get(n int) []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.free) - 1; i >= 0; i-- {
		if b := t.free[i]; cap(b) >= n {
			t.free = append(t.free[:i], t.free[i+1:]...)
			return b[:n]
		}
	}
	return make([]byte, n)
}

func (t *tensorBufs) put(b []byte) {
	t.mu.Lock()
	if len(t.free) < 256 {
		t.free = append(t.free, b)
	}
	t.mu.Unlock()
}

// tensorMeta copies image i's output layers into a TensorOutputMeta user
// meta, as nvinfer's output-tensor-meta=1 does, for probes that parse raw
// outputs themselves.
func (e *Infer) tensorMeta(batch *meta.BatchMeta, i int) *meta.UserMeta {
	tm := &meta.TensorOutputMeta{UniqueID: e.cfg.GIEUniqueID, GPUID: e.cfg.GPUID, NetworkInfo: e.net}
	for _, l := range e.eng.layers[i] {
		buf := e.bufs.get(4 * len(l.F32))
		for k, v := range l.F32 {
			binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(v))
		}
		tm.OutputLayers = append(tm.OutputLayers, meta.LayerInfo{Name: l.Name, Dims: append([]int(nil), l.Shape...),
			DataType: meta.DataTypeFloat, Buffer: buf})
	}
	um := batch.AcquireUserMeta()
	um.Type, um.Data = meta.MetaTypeTensorOutput, tm
	um.ReleaseFunc = func(d any) {
		if tm, ok := d.(*meta.TensorOutputMeta); ok {
			for _, l := range tm.OutputLayers {
				e.bufs.put(l.Buffer)
			}
		}
	}
	return um
}
