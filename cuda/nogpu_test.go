package cuda

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// On a machine without the driver or a GPU every entry point reports
// ErrUnavailable with the reason, and nothing panics.
func TestUnavailableEntryPointsReturnErrors(t *testing.T) {
	if Available() {
		t.Skip("CUDA is available here; this test is for machines without a GPU")
	}
	err := Init()
	if err == nil {
		// A driver without devices: cuInit succeeds, there is nothing to use.
		if n, err := DeviceCount(); err != nil || n != 0 {
			t.Fatalf("Init ok, Available false: DeviceCount = %d, %v", n, err)
		}
	} else {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("Init: %v does not wrap ErrUnavailable", err)
		}
		if !strings.Contains(err.Error(), "libcuda") {
			t.Errorf("Init: %q does not name the missing library", err)
		}
		t.Logf("Init: %v", err)
		if _, err := DeviceCount(); !errors.Is(err, ErrUnavailable) {
			t.Errorf("DeviceCount: %v", err)
		}
		if _, err := DriverVersion(); !errors.Is(err, ErrUnavailable) {
			t.Errorf("DriverVersion: %v", err)
		}
	}
	if _, err := GetDevice(0); !errors.Is(err, ErrUnavailable) {
		t.Errorf("GetDevice(0): %v", err)
	}
	p, _ := Kernel("util.cu")
	if _, err := Compile(p, "sm_90"); err != nil {
		t.Logf("Compile: %v", err)
	}
	if _, _, err := NVRTCVersion(); err != nil && !errors.Is(err, ErrUnavailable) {
		t.Errorf("NVRTCVersion: %v does not wrap ErrUnavailable", err)
	}
	cfg := PreprocessConfig{NetW: 8, NetH: 8, MaxBatch: 1, NetScaleFactor: 1}
	if _, err := NewPreprocessor(nil, cfg); err == nil {
		t.Error("NewPreprocessor(nil context) succeeded")
	}
}

// Zero and nil objects (what a caller holds after a failed constructor)
// return errors from every method instead of panicking.
func TestZeroObjectsReturnErrors(t *testing.T) {
	var (
		dev  Device
		ctx  *Context
		s    *Stream
		ev   *Event
		mem  *DeviceMemory
		host *HostMemory
		mod  *Module
		fn   *Function
		g    *Graph
		pre  *Preprocessor
	)
	calls := map[string]func() error{
		"Device.Name":                 func() error { _, err := dev.Name(); return err },
		"Device.ComputeCapability":    func() error { _, _, err := dev.ComputeCapability(); return err },
		"Device.Arch":                 func() error { _, err := dev.Arch(); return err },
		"Device.SMCount":              func() error { _, err := dev.SMCount(); return err },
		"Device.TotalMem":             func() error { _, err := dev.TotalMem(); return err },
		"Device.RetainPrimaryContext": func() error { _, err := dev.RetainPrimaryContext(); return err },
		"Context.Close":               ctx.Close,
		"Context.Synchronize":         ctx.Synchronize,
		"Context.MemInfo":             func() error { _, _, err := ctx.MemInfo(); return err },
		"Context.Alloc":               func() error { _, err := ctx.Alloc(16); return err },
		"Context.AllocHost":           func() error { _, err := ctx.AllocHost(16); return err },
		"Context.NewStream":           func() error { _, err := ctx.NewStream(); return err },
		"Context.NewEvent":            func() error { _, err := ctx.NewEvent(); return err },
		"Context.LoadModule":          func() error { _, err := ctx.LoadModule([]byte{1}); return err },
		"Context.BuildModule":         func() error { _, err := ctx.BuildModule(Program{Name: "x.cu"}, t.TempDir()); return err },
		"Stream.Synchronize":          s.Synchronize,
		"Stream.Close":                s.Close,
		"Stream.WaitEvent":            func() error { return s.WaitEvent(ev) },
		"Stream.AllocAsync":           func() error { _, err := s.AllocAsync(16); return err },
		"Stream.CopyDevice":           func() error { return s.CopyDevice(1, 2, 3) },
		"Stream.Memset":               func() error { return s.Memset(1, 0, 3) },
		"Stream.Copy2D":               func() error { return s.Copy2D(Plane{Pitch: 4}, Plane{Pitch: 4}, 4, 1) },
		"Stream.BeginCapture":         s.BeginCapture,
		"Stream.EndCapture":           func() error { _, err := s.EndCapture(); return err },
		"CopyToDevice":                func() error { return CopyToDevice(s, 1, []float32{1}) },
		"CopyToHost":                  func() error { return CopyToHost(s, []byte{1}, 1) },
		"Event.Record":                func() error { return ev.Record(s) },
		"Event.Synchronize":           ev.Synchronize,
		"Event.Close":                 ev.Close,
		"Elapsed":                     func() error { _, err := Elapsed(ev, ev); return err },
		"DeviceMemory.Free":           mem.Free,
		"DeviceMemory.FreeAsync":      func() error { return mem.FreeAsync(s) },
		"HostMemory.Free":             host.Free,
		"Module.Function":             func() error { _, err := mod.Function("f"); return err },
		"Module.Close":                mod.Close,
		"Function.Launch":             func() error { return fn.Launch(s, Dim3{1, 1, 1}, Dim3{1, 1, 1}, 0, nil) },
		"Graph.Launch":                func() error { return g.Launch(s) },
		"Graph.Close":                 g.Close,
		"Preprocessor.Run":            func() error { return pre.Run(s, 1, make([]PreprocessItem, 1)) },
		"Preprocessor.Close":          pre.Close,
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("panic: %v", r)
				}
			}()
			if err := call(); err == nil {
				t.Error("no error")
			}
		})
	}
	if mem.Ptr() != 0 || mem.Size() != 0 || host.Bytes() != nil || host.Size() != 0 || fn.Name() != "" {
		t.Error("nil objects report memory")
	}
}

func TestArgsPacking(t *testing.T) {
	a := NewArgs()
	a.Ptr(0x1000).Int32(-2).Float32(1.5).Bytes([]byte{1, 2, 3}, 1).Uint64(7)
	if a.err != nil || a.n != 5 {
		t.Fatalf("5 arguments: n=%d err=%v", a.n, a.err)
	}
	// Uint64 after 3 bytes at offset 16 is aligned to 24.
	if a.off != 32 {
		t.Errorf("offset after the arguments = %d, want 32", a.off)
	}
	for range 100 {
		a.Int32(1)
	}
	if a.err == nil {
		t.Error("more than 64 arguments: no error")
	}
	a.Reset()
	if a.err != nil || a.n != 0 {
		t.Errorf("Reset left n=%d err=%v", a.n, a.err)
	}
	a.Bytes(make([]byte, 5000), 8)
	if a.err == nil {
		t.Error("5000 bytes of arguments: no error")
	}
	a.Reset().Bytes(nil, 3)
	if a.err == nil {
		t.Error("alignment 3: no error")
	}
	var zero Args
	zero.Int32(1)
	if zero.err == nil {
		t.Error("Args not from NewArgs: no error")
	}
	if allocs := testing.AllocsPerRun(100, func() {
		a.Reset().Ptr(1).Ptr(2).Int32(3).Int32(4).Float32(5).Float32(6)
	}); allocs != 0 {
		t.Errorf("refilling arguments allocates %.0f times", allocs)
	}
}

func TestPreprocessConfigValidate(t *testing.T) {
	ok := PreprocessConfig{NetW: 960, NetH: 544, MaxBatch: 32, NetScaleFactor: 1.0 / 255}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, change := range map[string]func(*PreprocessConfig){
		"zero width":   func(c *PreprocessConfig) { c.NetW = 0 },
		"huge height":  func(c *PreprocessConfig) { c.NetH = 1 << 20 },
		"color 3":      func(c *PreprocessConfig) { c.Color = 3 },
		"interp 2":     func(c *PreprocessConfig) { c.Interp = 2 },
		"layout 2":     func(c *PreprocessConfig) { c.Layout = 2 },
		"data type 2":  func(c *PreprocessConfig) { c.DataType = 2 },
		"batch 0":      func(c *PreprocessConfig) { c.MaxBatch = 0 },
		"scale is NaN": func(c *PreprocessConfig) { c.NetScaleFactor = float32(math.NaN()) },
	} {
		c := ok
		change(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestFitRect(t *testing.T) {
	for _, c := range []struct {
		sw, sh, dw, dh int
		sym            bool
		want           Rect
	}{
		{1920, 1080, 960, 544, true, Rect{0, 2, 960, 540}},
		{1920, 1080, 960, 544, false, Rect{0, 0, 960, 540}},
		{100, 300, 224, 224, true, Rect{75, 0, 74, 224}},
		{1, 1000, 10, 10, true, Rect{4, 0, 1, 10}},
	} {
		if got := fitRect(c.sw, c.sh, c.dw, c.dh, c.sym); got != c.want {
			t.Errorf("fitRect(%d, %d, %d, %d, %v) = %+v, want %+v", c.sw, c.sh, c.dw, c.dh, c.sym, got, c.want)
		}
	}
}
