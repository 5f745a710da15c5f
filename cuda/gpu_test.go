package cuda_test

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/dsgo/dsgo/cuda"
	"github.com/dsgo/dsgo/video"
)

// These tests need a GPU; elsewhere they skip, saying why.

type gpu struct {
	ctx *cuda.Context
	s   *cuda.Stream
}

func newGPU(t testing.TB) *gpu {
	t.Helper()
	if !cuda.Available() {
		t.Skipf("no CUDA device: %v", cuda.Init())
	}
	d, err := cuda.GetDevice(0)
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := d.RetainPrimaryContext()
	if err != nil {
		t.Fatal(err)
	}
	s, err := ctx.NewStream()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if err := ctx.Close(); err != nil {
			t.Error(err)
		}
	})
	return &gpu{ctx, s}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDeviceQuery(t *testing.T) {
	g := newGPU(t)
	d := g.ctx.Device()
	name, err := d.Name()
	must(t, err)
	major, minor, err := d.ComputeCapability()
	must(t, err)
	sms, err := d.SMCount()
	must(t, err)
	total, err := d.TotalMem()
	must(t, err)
	drv, err := cuda.DriverVersion()
	must(t, err)
	free, total2, err := g.ctx.MemInfo()
	must(t, err)
	t.Logf("%s: sm_%d%d, %d SMs, %.1f GiB (%.1f GiB free), driver CUDA %d.%d, memory pools %v",
		name, major, minor, sms, float64(total)/(1<<30), float64(free)/(1<<30), drv/1000, drv%1000/10, g.ctx.MemoryPools())
	if name == "" || major < 3 || sms <= 0 || total == 0 || total2 != total || free > total || drv < 11000 {
		t.Errorf("implausible device: %q sm_%d%d %d SMs %d/%d/%d bytes driver %d", name, major, minor, sms, free, total, total2, drv)
	}
	if _, err := cuda.GetDevice(1 << 20); err == nil {
		t.Error("GetDevice(1<<20) succeeded")
	}
}

func TestAllocCopyRoundTrip(t *testing.T) {
	g := newGPU(t)
	const n = 1 << 20
	src := make([]float32, n)
	for i := range src {
		src[i] = float32(i)*0.5 - 7
	}
	a, err := g.s.AllocAsync(4 * n)
	must(t, err)
	b, err := g.ctx.Alloc(4 * n)
	must(t, err)
	host, err := g.ctx.AllocHost(4 * n)
	must(t, err)
	must(t, cuda.CopyToDevice(g.s, a.Ptr(), src))
	must(t, g.s.CopyDevice(b.Ptr(), a.Ptr(), 4*n))
	must(t, g.s.Memset(b.Ptr(), 0xff, 4)) // the first float becomes a NaN
	must(t, cuda.CopyToHost(g.s, host.Bytes(), b.Ptr()))
	must(t, g.s.Synchronize())
	got := host.Bytes()
	for i := 1; i < n; i++ {
		v := math.Float32frombits(uint32(got[4*i]) | uint32(got[4*i+1])<<8 | uint32(got[4*i+2])<<16 | uint32(got[4*i+3])<<24)
		if v != src[i] {
			t.Fatalf("element %d = %v, want %v", i, v, src[i])
		}
	}
	if !bytes.Equal(got[:4], []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Errorf("memset bytes = %v", got[:4])
	}
	must(t, a.FreeAsync(g.s))
	if err := a.Free(); err == nil {
		t.Error("second free succeeded")
	}
	must(t, b.Free())
	must(t, host.Free())
	must(t, g.s.Synchronize())
}

func TestPitchedCopy2D(t *testing.T) {
	g := newGPU(t)
	const w, h, hostPitch, devPitch, outPitch = 301, 37, 320, 512, 333
	src := make([]byte, hostPitch*h)
	for i := range src {
		src[i] = byte(i * 7)
	}
	dev, err := g.ctx.Alloc(devPitch * h)
	must(t, err)
	defer dev.Free()
	must(t, g.s.Copy2D(cuda.Plane{Device: dev.Ptr(), Pitch: devPitch}, cuda.Plane{Host: src, Pitch: hostPitch}, w, h))
	out := make([]byte, outPitch*h)
	must(t, g.s.Copy2D(cuda.Plane{Host: out, Pitch: outPitch}, cuda.Plane{Device: dev.Ptr(), Pitch: devPitch}, w, h))
	must(t, g.s.Synchronize())
	for y := 0; y < h; y++ {
		if !bytes.Equal(out[y*outPitch:y*outPitch+w], src[y*hostPitch:y*hostPitch+w]) {
			t.Fatalf("row %d differs", y)
		}
	}
	if err := g.s.Copy2D(cuda.Plane{Host: out[:10], Pitch: outPitch}, cuda.Plane{Device: dev.Ptr(), Pitch: devPitch}, w, h); err == nil {
		t.Error("copy into a short host buffer succeeded")
	}
}

func TestStreamEventTiming(t *testing.T) {
	g := newGPU(t)
	start, err := g.ctx.NewEvent()
	must(t, err)
	defer start.Close()
	end, err := g.ctx.NewEvent()
	must(t, err)
	defer end.Close()
	const n = 256 << 20
	m, err := g.s.AllocAsync(n)
	must(t, err)
	must(t, start.Record(g.s))
	for range 4 {
		must(t, g.s.Memset(m.Ptr(), 1, n))
	}
	must(t, end.Record(g.s))
	must(t, end.Synchronize())
	d, err := cuda.Elapsed(start, end)
	must(t, err)
	t.Logf("4 memsets of 256 MiB: %v (%.0f GB/s)", d, 4*n/d.Seconds()/1e9)
	if d <= 0 || d > 5*time.Second {
		t.Errorf("elapsed %v", d)
	}
	must(t, m.FreeAsync(g.s))
	must(t, g.s.Synchronize())
}

func axpyModule(t *testing.T, g *gpu) *cuda.Function {
	t.Helper()
	p, err := cuda.Kernel("util.cu")
	must(t, err)
	m, err := g.ctx.BuildModule(p, t.TempDir())
	must(t, err)
	t.Cleanup(func() { m.Close() })
	f, err := m.Function("dsgo_axpy_f32")
	must(t, err)
	return f
}

func TestGraphCaptureAndLaunch(t *testing.T) {
	g := newGPU(t)
	f := axpyModule(t, g)
	const n = 100003
	x, y := make([]float32, n), make([]float32, n)
	for i := range x {
		x[i], y[i] = float32(i%1000), float32(i%7)
	}
	dx, err := g.ctx.Alloc(4 * n)
	must(t, err)
	defer dx.Free()
	dy, err := g.ctx.Alloc(4 * n)
	must(t, err)
	defer dy.Free()
	must(t, cuda.CopyToDevice(g.s, dx.Ptr(), x))
	must(t, cuda.CopyToDevice(g.s, dy.Ptr(), y))
	must(t, g.s.Synchronize())

	args := cuda.NewArgs().Int32(n).Float32(0.5).Ptr(dx.Ptr()).Ptr(dy.Ptr())
	must(t, g.s.BeginCapture())
	must(t, f.Launch(g.s, cuda.Dim3{X: (n + 255) / 256}, cuda.Dim3{X: 256}, 0, args))
	graph, err := g.s.EndCapture()
	must(t, err)
	defer graph.Close()
	got := make([]float32, n)
	must(t, cuda.CopyToHost(g.s, got, dy.Ptr()))
	if got[999] != y[999] {
		t.Fatalf("captured work ran during capture: y[999] = %v", got[999])
	}
	for range 3 {
		must(t, graph.Launch(g.s))
	}
	must(t, cuda.CopyToHost(g.s, got, dy.Ptr()))
	for i := range got {
		if want := y[i] + 3*0.5*x[i]; got[i] != want {
			t.Fatalf("y[%d] = %v after three graph launches, want %v", i, got[i], want)
		}
	}
}

// A second process finds the cubin the first compiled in the disk cache.
func TestBuildModuleDiskCache(t *testing.T) {
	g := newGPU(t)
	dir := t.TempDir()
	p, err := cuda.Kernel("util.cu")
	must(t, err)
	t0 := time.Now()
	m, err := g.ctx.BuildModule(p, dir)
	must(t, err)
	compiled := time.Since(t0)
	if m.FromCache {
		t.Error("first build came from an empty cache")
	}
	must(t, m.Close())
	t0 = time.Now()
	m, err = g.ctx.BuildModule(p, dir)
	must(t, err)
	t.Logf("compile %v, load from cache %v", compiled, time.Since(t0))
	if !m.FromCache {
		t.Error("second build did not use the cache")
	}
	must(t, m.Close())

	cmd := exec.Command(os.Args[0], "-test.run=^TestBuildModuleCacheChild$", "-test.v")
	cmd.Env = append(os.Environ(), "DSGO_CUDA_TEST_CACHE="+dir)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "child: module from cache") {
		t.Errorf("child process: %v\n%s", err, out)
	}

	// A damaged cache file is replaced by a fresh compile.
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("cache holds %d files, want 1", len(files))
	}
	must(t, os.WriteFile(dir+"/"+files[0].Name(), []byte("not a cubin"), 0o644))
	m, err = g.ctx.BuildModule(p, dir)
	must(t, err)
	if m.FromCache {
		t.Error("a damaged cache file was loaded")
	}
	must(t, m.Close())
}

// TestBuildModuleCacheChild is TestBuildModuleDiskCache's second process.
func TestBuildModuleCacheChild(t *testing.T) {
	dir := os.Getenv("DSGO_CUDA_TEST_CACHE")
	if dir == "" {
		t.Skip("run by TestBuildModuleDiskCache")
	}
	g := newGPU(t)
	p, err := cuda.Kernel("util.cu")
	must(t, err)
	m, err := g.ctx.BuildModule(p, dir)
	must(t, err)
	defer m.Close()
	if m.FromCache {
		t.Log("child: module from cache")
	}
}

func TestCompileErrorCarriesLog(t *testing.T) {
	g := newGPU(t)
	arch, err := g.ctx.Device().Arch()
	must(t, err)
	_, cerr := cuda.Compile(cuda.Program{Name: "broken.cu", Source: "extern \"C\" __global__ void k() { undeclared_thing(); }"}, arch)
	if cerr == nil || !strings.Contains(cerr.Error(), "undeclared_thing") {
		t.Errorf("compile error without NVRTC's log: %v", cerr)
	}
	maj, min, err := cuda.NVRTCVersion()
	must(t, err)
	t.Logf("NVRTC %d.%d; error: %v", maj, min, cerr)
}

// upload copies host frames to device memory with pitches of their own.
func upload(t testing.TB, g *gpu, h *video.Frame) cuda.Frame {
	t.Helper()
	f := cuda.Frame{Width: h.Width, Height: h.Height, Format: cuda.PixelRGBA}
	if h.Format == video.FormatNV12 {
		f.Format = cuda.PixelNV12
	}
	for p := 0; p < h.Format.NumPlanes(); p++ {
		rowBytes := h.Width * h.Format.PixelStride()
		if p == 1 {
			rowBytes = 2 * ((h.Width + 1) / 2)
		}
		pitch := (rowBytes+255)&^255 + 256
		rows := h.PlaneHeight(p)
		m, err := g.ctx.Alloc(pitch * rows)
		must(t, err)
		t.Cleanup(func() { m.Free() })
		must(t, g.s.Copy2D(cuda.Plane{Device: m.Ptr(), Pitch: pitch}, cuda.Plane{Host: h.Plane(p), Pitch: h.Stride[p]}, rowBytes, rows))
		f.Planes[p], f.Pitches[p] = m.Ptr(), pitch
	}
	return f
}

func gpuFrames(t testing.TB, g *gpu) []testFrame {
	frames := make([]testFrame, len(frameSpecs))
	for i, s := range frameSpecs {
		h := newHostFrame(t, s.format, s.width, s.height, uint64(i+1))
		frames[i] = testFrame{host: h, dev: upload(t, g, h)}
	}
	return frames
}

func TestPreprocessMatchesCPU(t *testing.T) {
	g := newGPU(t)
	frames := gpuFrames(t, g)
	for _, c := range prepCases() {
		t.Run(caseName(c), func(t *testing.T) {
			c.cfg.MaxBatch = len(c.items)
			p, err := cuda.NewPreprocessor(g.ctx, c.cfg)
			must(t, err)
			defer p.Close()
			n := len(c.items) * c.cfg.TensorLen() * c.cfg.DataType.Size()
			dst, err := g.s.AllocAsync(n)
			must(t, err)
			must(t, g.s.Memset(dst.Ptr(), 0xff, n)) // NaNs where the kernel writes nothing
			must(t, p.Run(g.s, dst.Ptr(), caseItems(c, frames)))
			raw := make([]byte, n)
			must(t, cuda.CopyToHost(g.s, raw, dst.Ptr()))
			must(t, dst.FreeAsync(g.s))
			compare(t, c, decode(c.cfg, raw), reference(t, c, frames))
		})
	}
}

func TestPreprocessRejectsBadItems(t *testing.T) {
	g := newGPU(t)
	frames := gpuFrames(t, g)
	p, err := cuda.NewPreprocessor(g.ctx, cuda.PreprocessConfig{NetW: 64, NetH: 64, NetScaleFactor: 1, MaxBatch: 2})
	must(t, err)
	defer p.Close()
	dst, err := g.ctx.Alloc(2 * 3 * 64 * 64 * 4)
	must(t, err)
	defer dst.Free()
	ok := cuda.PreprocessItem{Frame: frames[1].dev}
	noUV := ok
	noUV.Frame.Planes[1] = 0
	shortPitch := ok
	shortPitch.Frame.Pitches[0] = 10
	for name, items := range map[string][]cuda.PreprocessItem{
		"empty batch":       nil,
		"batch over max":    {ok, ok, ok},
		"crop outside":      {{Frame: ok.Frame, Crop: cuda.Rect{X: 600, Y: 0, W: 100, H: 10}}},
		"negative crop":     {{Frame: ok.Frame, Crop: cuda.Rect{X: -1, Y: 0, W: 10, H: 10}}},
		"NV12 without UV":   {noUV},
		"pitch below width": {shortPitch},
		"unknown format":    {{Frame: cuda.Frame{Width: 4, Height: 4, Planes: [2]cuda.DevicePtr{1}, Pitches: [2]int{16}}}},
	} {
		if err := p.Run(g.s, dst.Ptr(), items); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if err := p.Run(g.s, 0, []cuda.PreprocessItem{ok}); err == nil {
		t.Error("nil destination: no error")
	}
	must(t, p.Run(g.s, dst.Ptr(), []cuda.PreprocessItem{ok, ok}))
	must(t, g.s.Synchronize())
}

// 10,000 batches, each with its output allocated from and returned to the
// pool, leave the device's free memory where it was, and Run allocates
// nothing on the Go heap.
func TestPreprocessNoLeak(t *testing.T) {
	g := newGPU(t)
	frames := gpuFrames(t, g)
	cfg := cuda.PreprocessConfig{NetW: 480, NetH: 272, NetScaleFactor: 1.0 / 255, DataType: cuda.Float16,
		MaintainAspect: true, Symmetric: true, MaxBatch: 8}
	p, err := cuda.NewPreprocessor(g.ctx, cfg)
	must(t, err)
	defer p.Close()
	items := make([]cuda.PreprocessItem, 8)
	for i := range items {
		items[i] = cuda.PreprocessItem{Frame: frames[i%4].dev}
	}
	n := len(items) * cfg.TensorLen() * 2
	batch := func() {
		dst, err := g.s.AllocAsync(n)
		must(t, err)
		must(t, p.Run(g.s, dst.Ptr(), items))
		must(t, dst.FreeAsync(g.s))
	}
	for range 100 {
		batch()
	}
	must(t, g.s.Synchronize())
	before, _, err := g.ctx.MemInfo()
	must(t, err)
	t0 := time.Now()
	for range 10000 {
		batch()
	}
	must(t, g.s.Synchronize())
	after, _, err := g.ctx.MemInfo()
	must(t, err)
	t.Logf("10000 batches of 8 in %v; free memory %d -> %d bytes", time.Since(t0), before, after)
	if after < before-(1<<20) {
		t.Errorf("free device memory fell by %d bytes over 10000 batches", before-after)
	}
	dst, err := g.ctx.Alloc(n)
	must(t, err)
	defer dst.Free()
	if allocs := testing.AllocsPerRun(200, func() { p.Run(g.s, dst.Ptr(), items) }); allocs != 0 {
		t.Errorf("Run allocates %.1f times a batch", allocs)
	}
	must(t, g.s.Synchronize())
}

// BenchmarkPreprocess32x1080pNV12 times the primary detector's input: 32
// frames of 1920x1080 NV12 to 32x3x544x960 FP16, aspect kept, timed on
// the GPU with events (ms/batch); the goal is under 1 ms on an H100.
func BenchmarkPreprocess32x1080pNV12(b *testing.B) {
	g := newGPU(b)
	name, _ := g.ctx.Device().Name()
	// 32 distinct frames (100 MB, twice the H100's L2 cache), as 32 cameras give.
	host := newHostFrame(b, video.FormatNV12, 1920, 1080, 10)
	items := make([]cuda.PreprocessItem, 32)
	for i := range items {
		host.Data[i] ^= 0xff // frames differ, without generating 32
		items[i] = cuda.PreprocessItem{Frame: upload(b, g, host)}
	}
	cfg := cuda.PreprocessConfig{NetW: 960, NetH: 544, NetScaleFactor: 1.0 / 255, DataType: cuda.Float16,
		MaintainAspect: true, Symmetric: true, MaxBatch: 32}
	p, err := cuda.NewPreprocessor(g.ctx, cfg)
	must(b, err)
	defer p.Close()
	dst, err := g.ctx.Alloc(32 * cfg.TensorLen() * 2)
	must(b, err)
	defer dst.Free()
	start, err := g.ctx.NewEvent()
	must(b, err)
	defer start.Close()
	end, err := g.ctx.NewEvent()
	must(b, err)
	defer end.Close()
	for range 5 {
		must(b, p.Run(g.s, dst.Ptr(), items))
	}
	must(b, g.s.Synchronize())
	b.ResetTimer()
	must(b, start.Record(g.s))
	for range b.N {
		if err := p.Run(g.s, dst.Ptr(), items); err != nil {
			b.Fatal(err)
		}
	}
	must(b, end.Record(g.s))
	must(b, end.Synchronize())
	b.StopTimer()
	d, err := cuda.Elapsed(start, end)
	must(b, err)
	ms := d.Seconds() * 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/batch")
	b.ReportMetric(32/(ms/1000), "frames/s")
	b.Logf("%s: %.3f ms per batch of 32 (%d batches)", name, ms, b.N)
}
