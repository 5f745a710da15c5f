package cpu

import (
	"strings"
	"testing"

	"github.com/dsgo/dsgo/infer/cpu/internal/kern"
)

// Activations share one arena: tensors whose lifetimes do not overlap
// reuse memory. The YOLO-style model, with many mid-sized layers, needs
// far less than the sum of its tensors; the DetectNet-style one is
// dominated by its input (live throughout) and first two layers, which
// must coexist unless they run as a fused pair (s2Fused, with the vector
// kernels: the first layer's output then takes no memory at all; at
// batch 4 DetectNet-style 24.1 -> 12.9 MiB, YOLO-style 14.3 -> 10.9, the
// classifier 1.3 -> 0.8). Every plan is within 5% of the most memory
// live at one step, which no plan can beat. (That results stay right is
// what every reference test checks.)
func TestArenaReusesMemory(t *testing.T) {
	least := map[string]float64{"detectnet": 0.14, "yolo": 0.35, "classifier": 0.05}
	if kern.SIMD() {
		least = map[string]float64{"detectnet": 0.5, "yolo": 0.5, "classifier": 0.35}
	}
	for name, minSaved := range least {
		r := NewRunner(Options{})
		p := compileModel(t, wholeModel(name), 4, r)
		arena, unshared := p.ArenaBytes()
		t.Logf("%s batch 4: arena %.1f MiB, %.1f MiB without reuse", name, float64(arena)/(1<<20), float64(unshared)/(1<<20))
		if saved := 1 - float64(arena)/float64(unshared); arena <= 0 || saved < minSaved {
			t.Errorf("%s: arena %d bytes, unshared %d: %.0f%% saved, want at least %.0f%%", name, arena, unshared, 100*saved, 100*minSaved)
		}
		if peak := p.arenaPeak(); arena > peak*105/100 {
			t.Errorf("%s: arena %d bytes, %d live at the peak step: the plan wastes %.0f%%", name, arena, peak, 100*(float64(arena)/float64(peak)-1))
		}
		r.Close()
	}
}

// A compiled program's Run allocates nothing once it has run: activations
// live in the arena, and the scratch that kernels grow on first use (the
// workers' buffers, a dilated convolution's mosaic) stays. Checked on
// the reference models and the samples' detectors (dilated layers,
// stride-2 layers written directly and staged), with 1 and 2 workers.
func TestProgramRunAllocatesNothing(t *testing.T) {
	for _, m := range wholeModels {
		for _, workers := range []int{1, 2} {
			r := NewRunner(Options{Workers: workers})
			p := compileModel(t, m.path, 1, r)
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			if a := testing.AllocsPerRun(2, func() {
				if err := p.Run(); err != nil {
					t.Fatal(err)
				}
			}); a != 0 {
				t.Errorf("%s, %d workers: %v allocations per run", m.name, workers, a)
			}
			r.Close()
		}
	}
}

// Profile lists every step once, with each convolution's kernel: on the
// sample detector all of the direct paths run (stride-2, Winograd plain
// and over a dilated mosaic, for dilation 8 kern.ConvD4 with AVX-512 and
// elsewhere the row bands with the padding columns left out, 1x1). Its stride-2 layers have at most 64
// input channels and no longer stage their output (s2DirectChannels);
// the conv tests run the staged plans.
func TestProfileNamesEachConvolutionsKernel(t *testing.T) {
	if !kern.SIMD() {
		t.Skip("the direct kernels run only with the vector micro-kernel")
	}
	r := NewRunner(Options{Workers: 1})
	defer r.Close()
	p := compileModel(t, wholeModel("sample_primary_detector"), 1, r)
	var b strings.Builder
	if err := p.Profile(&b, 1); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if got := strings.Count(out, "\n"); got != len(p.steps)+1 {
		t.Errorf("%d lines for %d steps:\n%s", got, len(p.steps), out)
	}
	dilated := "(direct rows, padding columns left out)"
	if kern.Wide() {
		dilated = "(dilated, output channels in lanes)"
	}
	for _, k := range []string{"(stride-2, all channels)", "(Winograd)", "(Winograd, mosaic of 4 phases)",
		"(Winograd, mosaic of 16 phases)", dilated, "(direct 1x1)"} {
		if !strings.Contains(out, k) {
			t.Errorf("no convolution on %s:\n%s", k, out)
		}
	}
}
