# dsgo — make setup installs everything a fresh Debian 12 machine needs;
# make test runs every test; make demo runs the sample job.

GO       ?= go
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN      := bin
ORT_DIR  ?= /tmp/dsgo-onnxruntime
ORT_LIB   = $(ORT_DIR)/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1
APT_PKGS := gcc g++ pkg-config ffmpeg libopenblas-dev protobuf-compiler \
	libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev \
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
	gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp

.PHONY: all setup build test test-short vet fmt-check bench demo eval fuzz clean ort-lib

all: build

## setup: install apt packages and Go modules
setup:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(APT_PKGS) >/dev/null
	$(GO) mod download
	@echo "setup: done"

## build: compile every package and the commands into bin/
build:
	$(GO) build ./...
	$(GO) build -o $(BIN)/ ./cmd/...

# ort-lib: onnxruntime's shared library from the npm package onnxruntime-node (its install
# script would download more; the library inside the package is all we use).
ort-lib:
	@[ -f $(ORT_LIB) ] || npm install --prefix $(ORT_DIR) --no-package-lock --no-save --ignore-scripts \
		onnxruntime-node@1.30.0 >/dev/null 2>&1 || echo "ort-lib: npm could not fetch onnxruntime-node; its tests will skip"

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## test: formatting, vet, and every test with the race detector (with onnxruntime as the
## independent reference for the CPU kernels when npm can fetch it)
test: fmt-check vet ort-lib
	ONNXRUNTIME_LIB=$$([ -f $(ORT_LIB) ] && echo $(ORT_LIB)) $(GO) test -race -count=1 -timeout 20m ./...
	@# the sample models over whole clips: too slow under -race, so once more without it
	$(GO) test -count=1 -timeout 20m -run 'TestSample|TestDetectorAndClassifier' ./samples/configs ./elements/all
	@# the CUDA backend's lowering, memory plan, kernels and graphs on emulated CUDA libraries (g++)
	$(GO) test -count=1 -timeout 20m -tags kcheck,nogst ./cuda ./infer/gpu

test-short:
	$(GO) test -count=1 ./...

## test-gpu-build: compile the test binaries of the GPU packages into bin/gputest (needs gcc,
## no CUDA); test-gpu runs them with bench/gpu/run.sh, here or on any machine with a GPU.
## The preprocessing kernel's arithmetic also runs on the CPU: go test -tags kcheck,nogst ./cuda
## and the inference backend on emulated CUDA libraries: go test -tags kcheck,nogst ./infer/gpu
## bench/gpu/compare.sh times the backend against PyTorch on the GPU machine.
.PHONY: test-gpu test-gpu-build
GPU_TEST_PKGS := ./cuda ./infer/gpu ./elements/infer ./cmd/dsmodel
test-gpu-build:
	mkdir -p $(BIN)/gputest
	for p in $(GPU_TEST_PKGS); do CGO_ENABLED=1 $(GO) test -c -tags nogst,noblas -ldflags="-s -w" -o $(BIN)/gputest/$$(basename $$p).test $$p || exit 1; done
	CGO_ENABLED=1 $(GO) build -tags nogst,noblas -ldflags="-s -w" -o $(BIN)/gputest/dsmodel ./cmd/dsmodel

test-gpu: test-gpu-build
	bench/gpu/run.sh

## fuzz: run each fuzz target for a while (FUZZTIME=30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseLaunch$$' -fuzztime $(FUZZTIME) ./pipeline/
	$(GO) test -run '^$$' -fuzz '^FuzzParseCaps$$' -fuzztime $(FUZZTIME) ./pipeline/
	$(GO) test -run '^$$' -fuzz '^FuzzRead$$' -fuzztime $(FUZZTIME) ./infer/npy/
	$(GO) test -run '^$$' -fuzz '^FuzzParseInfer$$' -fuzztime $(FUZZTIME) ./configs/
	$(GO) test -run '^$$' -fuzz '^FuzzParsersNeverPanic$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 50x ./infer/parsers/
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 50x ./infer/graph/
	$(GO) test -run '^$$' -fuzz '^FuzzLoadApp$$' -fuzztime $(FUZZTIME) ./configs/
	$(GO) test -run '^$$' -fuzz '^FuzzBuild$$' -fuzztime $(FUZZTIME) ./app/
	$(GO) test -run '^$$' -fuzz '^FuzzReadCOCOGroundTruth$$' -fuzztime $(FUZZTIME) ./eval/
	$(GO) test -run '^$$' -fuzz '^FuzzReadCOCOResults$$' -fuzztime $(FUZZTIME) ./eval/
	$(GO) test -run '^$$' -fuzz '^FuzzParseKITTILine$$' -fuzztime $(FUZZTIME) ./eval/
	$(GO) test -run '^$$' -fuzz '^FuzzParseKITTIName$$' -fuzztime $(FUZZTIME) ./eval/
	$(GO) test -run '^$$' -fuzz '^FuzzReadMOT$$' -fuzztime $(FUZZTIME) ./eval/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRLEString$$' -fuzztime $(FUZZTIME) ./eval/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeRLE$$' -fuzztime $(FUZZTIME) ./samples/scene/
	$(GO) test -run '^$$' -fuzz '^FuzzParseDropout$$' -fuzztime $(FUZZTIME) ./cmd/dsscene/
	$(GO) test -run '^$$' -fuzz '^FuzzParseSegmentation$$' -fuzztime $(FUZZTIME) ./eval/
	$(GO) test -run '^$$' -fuzz '^FuzzConvert$$' -fuzztime $(FUZZTIME) ./video/
	$(GO) test -tags nogst -run '^$$' -fuzz '^FuzzDecodeEngineFile$$' -fuzztime $(FUZZTIME) ./infer/gpu/

## bench: Go benchmarks, dsgo vs onnxruntime on the reference models, then dsgo vs GStreamer
## side by side (last line: engine ratio). onnxruntime's library comes from the npm package.
bench: build ort-lib
	$(GO) test -run '^$$' -bench . -benchmem ./pipeline/ ./meta/
	ONNXRUNTIME_LIB=$(ORT_LIB) $(GO) test -v -run '^$$$$' -bench ModelsVsOnnxruntime -benchtime 20x ./infer/cpu/
	$(BIN)/dsbench media
	$(BIN)/dsbench engine

## demo: the sample job — dsapp runs samples/configs/source4_primary_secondary_tiled.txt: four generated street
## cameras batched, the sample detector and car colour / vehicle type classifiers, tiled 2x2, drawn and encoded to
## out/out_source4_tiled.mp4 with PERF lines; then a Go app with a custom element drawing boxes into out/metaprobe.mp4
demo: build
	mkdir -p out
	cd out && ../$(BIN)/dsapp -c ../samples/configs/source4_primary_secondary_tiled.txt --no-display
	@printf 'out/out_source4_tiled.mp4: %s (width,height,frames)\n' "$$(ffprobe -v error -count_frames -select_streams v:0 \
		-show_entries stream=width,height,nb_read_frames -of csv=p=0 out/out_source4_tiled.mp4)"
	$(GO) run ./samples/apps/metaprobe -frames 150 -out out/metaprobe.mp4

## eval: held-out clips from seeds no training run used, dsgo's own inference on
## them (dseval run), one summary line per sample model; details in out/eval/*.txt
EVAL_DIR := out/eval
EVAL_CLIPS := $(EVAL_DIR)/test_day.mp4 $(EVAL_DIR)/test_night.mp4 $(EVAL_DIR)/test_dusk_1080p.mp4 $(EVAL_DIR)/test_busy.mp4
eval: build
	mkdir -p $(EVAL_DIR)
	$(BIN)/dsscene clip --seed 9001 --fps 15 --seconds 8 --lighting day --out $(EVAL_DIR)/test_day.mp4
	$(BIN)/dsscene clip --seed 9002 --fps 15 --seconds 8 --lighting night --out $(EVAL_DIR)/test_night.mp4
	$(BIN)/dsscene clip --seed 9003 --fps 15 --seconds 8 --lighting dusk --width 1920 --height 1080 --out $(EVAL_DIR)/test_dusk_1080p.mp4
	$(BIN)/dsscene clip --seed 9004 --fps 15 --seconds 8 --lighting cycle --density 1.5 --out $(EVAL_DIR)/test_busy.mp4
	@set -e; C=samples/configs; \
	run() { n=$$1; shift; $(BIN)/dseval run --name $$n "$$@" $(EVAL_CLIPS) > $(EVAL_DIR)/$$n.txt; head -1 $(EVAL_DIR)/$$n.txt; }; \
	run primary_detector --infer $$C/config_infer_primary.txt; \
	run yolo_detector --infer $$C/config_infer_primary_yolo.txt; \
	run ssd_detector --infer $$C/config_infer_primary_ssd.txt; \
	run car_color --gt-objects --sgie $$C/config_infer_secondary_carcolor.txt --attr color; \
	run vehicle_type --gt-objects --sgie $$C/config_infer_secondary_vehicletypes.txt --attr type; \
	run mask_rcnn --infer $$C/config_infer_primary_mrcnn.txt --masks --classes Car,Person

clean:
	rm -rf $(BIN) out

## proto: regenerate infer/onnx/onnx.pb.go from onnx.proto (needs protoc and protoc-gen-go v1.36.12)
.PHONY: proto
proto:
	$(GO) install google.golang.org/protobuf/cmd/protoc-gen-go@v1.36.12
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" protoc --proto_path=infer/onnx \
		--go_out=infer/onnx --go_opt=paths=source_relative onnx.proto
