# dsgo — make setup installs everything a fresh Debian 12 machine needs;
# make test runs every test; make demo runs the sample job.

GO       ?= go
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BIN      := bin
APT_PKGS := gcc pkg-config ffmpeg \
	libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstrtspserver-1.0-dev \
	gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good \
	gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-rtsp

.PHONY: all setup build test test-short vet fmt-check bench demo fuzz clean

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

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## test: formatting, vet, and every test with the race detector
test: fmt-check vet
	$(GO) test -race -count=1 -timeout 20m ./...

test-short:
	$(GO) test -count=1 ./...

## fuzz: run each fuzz target for a while (FUZZTIME=30s)
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParseLaunch$$' -fuzztime $(FUZZTIME) ./pipeline/
	$(GO) test -run '^$$' -fuzz '^FuzzParseCaps$$' -fuzztime $(FUZZTIME) ./pipeline/

## bench: Go benchmarks, then dsgo vs GStreamer side by side (last line: engine ratio)
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./pipeline/ ./meta/
	$(BIN)/dsbench engine

## demo: the sample job — a real-time pipeline with tee, queues and a leaky branch, then a Go app with a custom element and a metadata probe
demo: build
	$(BIN)/dslaunch -stats fakesrc num-buffers=90 duration=33333333 ! queue ! tee name=t \
		t. ! queue ! identity name=display ! fakesink sync=true \
		t. ! queue leaky=downstream max-size-buffers=4 ! identity sleep-time=50000 name=slow-analytics ! fakesink
	$(GO) run ./samples/apps/metaprobe -frames 300

clean:
	rm -rf $(BIN)
