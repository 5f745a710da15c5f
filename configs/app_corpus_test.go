package configs

import (
	"os"
	"path/filepath"
	"testing"
)

// TestCorpusSyntax loads every real deepstream-app config of the corpus
// (testdata/app/corpus, see ORIGINS.md) in syntax mode: none may fail.
func TestCorpusSyntax(t *testing.T) {
	files, err := filepath.Glob("testdata/app/corpus/*/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("corpus has %d configs, want >= 30", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			a, warns, err := LoadApp(f)
			if err != nil {
				t.Fatalf("LoadApp:\n%v", err)
			}
			for _, w := range warns {
				t.Logf("warning: %s", w)
			}
			if len(a.Inputs()) == 0 && (a.SourceList == nil || !a.SourceList.UseNvmultiurisrcbin) {
				t.Errorf("no inputs")
			}
			if _, err := os.Stat(f); err != nil {
				t.Fatal(err)
			}
		})
	}
}
