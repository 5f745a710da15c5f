//go:build !nogst

package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sampleConfig copies samples/configs/source1_primary_detector.txt into
// dir with its relative paths made absolute, after edit.
func sampleConfig(t *testing.T, dir string, edit func(string) string) string {
	t.Helper()
	samples, err := filepath.Abs(filepath.Join("..", "samples", "configs"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(samples, "source1_primary_detector.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.NewReplacer("uri=file://../", "uri=file://"+filepath.Dir(samples)+"/",
		"config-file=config_infer_primary.txt", "config-file="+filepath.Join(samples, "config_infer_primary.txt")).Replace(string(b))
	path := filepath.Join(dir, "app.txt")
	if err := os.WriteFile(path, []byte(edit(text)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// dsapp --validate fails on broken configs with the file, the line and a
// one-line reason, and passes the unbroken one.
func TestValidateRejectsBrokenConfigs(t *testing.T) {
	dir := t.TempDir()
	missingModel := filepath.Join(dir, "pgie.txt")
	os.WriteFile(missingModel, []byte("[property]\nonnx-file=nowhere.onnx\nnum-detected-classes=4\n"), 0o644)
	sub := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				t.Fatalf("the sample config has no %q", old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	dropGroup := func(g string) func(string) string {
		return func(s string) string {
			i := strings.Index(s, "["+g+"]")
			j := strings.Index(s[i+1:], "\n[")
			return s[:i] + s[i+1+j+1:]
		}
	}
	for _, tc := range []struct {
		name string
		edit func(string) string
		want string // in the one-line reason
	}{
		{"unknown source type", sub("type=3\nuri", "type=9\nuri"), "type=9"},
		{"CSI camera", sub("type=3\nuri", "type=5\nuri"), "type=5"},
		{"missing video", sub("street_day_720p.mp4", "no_such_clip.mp4"), "no_such_clip.mp4"},
		{"missing gie config", sub("config-file="+"", "config-file=/nowhere/pgie.txt\n#"), "/nowhere/pgie.txt"},
		{"missing model", func(s string) string {
			return regexp.MustCompile(`config-file=.*\n`).ReplaceAllString(s, "config-file="+missingModel+"\n")
		}, "nowhere.onnx"},
		{"negative streammux batch", sub("batch-size=1\nbatched-push-timeout", "batch-size=-1\nbatched-push-timeout"), "batch-size=-1"},
		{"negative gie batch", sub("batch-size=1\nbbox-border-color0", "batch-size=-4\nbbox-border-color0"), "batch-size=-4"},
		{"colour with 3 parts", sub("bbox-border-color0=1;0;0;1", "bbox-border-color0=1;0;0"), "bbox-border-color0"},
		{"colour out of range", sub("bbox-border-color1=0;1;1;1", "bbox-border-color1=0;2;1;1"), "bbox-border-color1"},
		{"bad OSD colour", sub("text-bg-color=0.3;0.3;0.3;1", "text-bg-color=grey"), "text-bg-color"},
		{"bad boolean", sub("[source0]\nenable=1", "[source0]\nenable=yes"), "enable=yes"},
		{"unknown sink type", sub("type=3\n#1=mp4", "type=9\n#1=mp4"), "type=9"},
		{"bad codec", sub("codec=1", "codec=7"), "codec=7"},
		{"bad container", sub("container=1", "container=5"), "container=5"},
		{"no streammux", dropGroup("streammux"), "streammux"},
		{"streammux width not a number", sub("width=1280\nheight=720\nenable-padding", "width=wide\nheight=720\nenable-padding"), "width=wide"},
		{"negative perf interval", sub("perf-measurement-interval-sec=2", "perf-measurement-interval-sec=-5"), "perf-measurement-interval-sec=-5"},
		{"unknown plugin type", sub("[primary-gie]\nenable=1", "[primary-gie]\nenable=1\nplugin-type=5"), "plugin-type=5"},
		{"negative interval", sub("interval=0\ngie-unique-id", "interval=-2\ngie-unique-id"), "interval=-2"},
		{"bad sync", sub("sync=0", "sync=2"), "sync=2"},
		{"negative gpu-id", sub("num-sources=1\ngpu-id=0", "num-sources=1\ngpu-id=-1"), "gpu-id=-1"},
		{"negative bitrate", sub("bitrate=4000000", "bitrate=-100"), "bitrate=-100"},
		{"gie without config-file", func(s string) string {
			return regexp.MustCompile(`config-file=.*\n`).ReplaceAllString(s, "")
		}, "config-file"},
		{"no source enabled", sub("[source0]\nenable=1", "[source0]\nenable=0"), "source"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := sampleConfig(t, t.TempDir(), tc.edit)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), []string{"-c", cfg, "--validate"}, Env{Stdout: &stdout, Stderr: &stderr})
			msg := stderr.String()
			if code != ExitError {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, ExitError, msg)
			}
			// file:line: reason; file: reason for what has no line (a
			// missing group, no enabled source).
			line := firstError(msg)
			if !regexp.MustCompile(`\.txt(:\d+)?: `).MatchString(line) || !strings.Contains(line, tc.want) {
				t.Fatalf("want a file:line error naming %q, got:\n%s", tc.want, msg)
			}
		})
	}
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), []string{"-c", sampleConfig(t, dir, func(s string) string { return s }), "--validate"},
		Env{Stdout: &stdout, Stderr: &stderr}); code != ExitOK {
		t.Fatalf("the unbroken sample config: exit %d\n%s", code, stderr.String())
	}
}

// firstError returns the first line of stderr that is not a warning.
func firstError(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if l != "" && !strings.HasPrefix(l, "WARNING") {
			return l
		}
	}
	return ""
}
