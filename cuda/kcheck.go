//go:build kcheck

package cuda

/*
#include <stdlib.h>
void dsgo_emulate_preprocess(int dtype, int layout, const void *items, void *dst, int n, int netW, int netH,
	int color, int nearest, float scale, float o0, float o1, float o2);
*/
import "C"

import (
	"fmt"
	"unsafe"
)

// EmulateAlloc returns n bytes of C memory that stand in for device
// memory in emulated runs (kcheck builds only), and its address. The
// memory is never freed: it is for tests.
func EmulateAlloc(n int) (DevicePtr, []byte) {
	p := C.calloc(C.size_t(n), 1)
	return DevicePtr(uintptr(p)), unsafe.Slice((*byte)(p), n)
}

// EmulatePreprocess runs the preprocessing kernel, compiled for the host
// (kcheck.cpp), over the whole grid: frames and dst must be EmulateAlloc
// memory.
func EmulatePreprocess(cfg PreprocessConfig, dst []byte, items []PreprocessItem) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if len(dst) < len(items)*cfg.TensorLen()*cfg.DataType.Size() {
		return fmt.Errorf("destination of %d bytes is too small", len(dst))
	}
	p := &Preprocessor{cfg: cfg}
	desc := C.calloc(C.size_t(len(items)*itemSize), 1)
	defer C.free(desc)
	d := unsafe.Slice((*byte)(desc), len(items)*itemSize)
	for i := range items {
		if err := p.describe(d[i*itemSize:(i+1)*itemSize], &items[i]); err != nil {
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	nearest := 0
	if cfg.Interp == InterpNearest {
		nearest = 1
	}
	C.dsgo_emulate_preprocess(C.int(cfg.DataType), C.int(cfg.Layout), desc, unsafe.Pointer(&dst[0]), C.int(len(items)),
		C.int(cfg.NetW), C.int(cfg.NetH), C.int(cfg.Color), C.int(nearest), C.float(cfg.NetScaleFactor),
		C.float(cfg.Offsets[0]), C.float(cfg.Offsets[1]), C.float(cfg.Offsets[2]))
	return nil
}
