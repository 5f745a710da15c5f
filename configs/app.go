package configs

import (
	"io"
	"os"
)

// App is a deepstream-app configuration file (the file given to
// `deepstream-app -c`), typed, with deepstream-app's defaults for
// everything the file leaves out.
//
// Singleton groups that the file lacks keep their zero Group (Line 0) and
// their defaults; a group that is present but has enable=0 is parsed and
// kept with Enable false. Paths that deepstream-app resolves against the
// config file's directory (config-file, model-engine-file, labelfile-path,
// ll-config-file, ll-lib-file, msg-conv-config, msg-broker-config, file://
// URIs, ...) are resolved the same way; paths it leaves to the current
// directory (output-file, smart-rec-dir-path, gie-kitti-output-dir, ...)
// are kept as written.
type App struct {
	// File is the name the configuration was parsed under.
	File string
	// Dir is the directory relative paths were resolved against.
	Dir string

	Application  Application  // [application]
	Tests        Tests        // [tests]
	TiledDisplay TiledDisplay // [tiled-display]
	// SourceList and SourceAttrAll are DeepStream 6's list form of
	// sources ([source-list] with list=uri1;uri2 and the settings of each
	// in [source-attr-all]); nil when absent.
	SourceList    *SourceList
	SourceAttrAll *Source
	// Sources are the [sourceN] groups in file order, enabled or not.
	// With [source-list] they are instead one per entry of its list
	// (Index and CameraID the entry's position), each a copy of
	// [source-attr-all] with the entry's type and URI, changed by the
	// [sourceN] group of that position if it has enable=1. Inputs
	// returns the streams deepstream-app opens from them.
	Sources   []Source
	Streammux Streammux // [streammux]
	// PreProcess is [pre-process] (nvdspreprocess before the primary
	// GIE); nil when absent.
	PreProcess *PreProcess
	// PrimaryGIE is [primary-gie]; nil when absent.
	PrimaryGIE *GIE
	// SecondaryPreProcesses are the [secondary-pre-processN] groups.
	SecondaryPreProcesses []PreProcess
	// SecondaryGIEs are the [secondary-gieN] groups in file order.
	SecondaryGIEs []GIE
	Tracker       Tracker   // [tracker]
	Analytics     Analytics // [nvds-analytics]
	DSExample     DSExample // [ds-example]
	Dewarper      Dewarper  // [dewarper]
	OSD           OSD       // [osd]
	// Sinks are the [sinkN] groups in file order.
	Sinks []Sink
	// MessageConverter is [message-converter] (a converter shared by the
	// pipeline rather than one per type=6 sink); nil when absent.
	MessageConverter *MessageConverter
	// MessageConsumers are the [message-consumerN] groups in file order.
	MessageConsumers []MessageConsumer
	ImgSave          ImgSave // [img-save]
}

// Group is what every typed group shares: where it is, and where each of
// its keys was set, so that later checks (by dsgo or by a program that
// builds a pipeline from the config) can name file:line.
type Group struct {
	// File is the configuration file the group is in.
	File string
	// Name is the group's name without brackets, e.g. "source0".
	Name string
	// Line is the group header's 1-based line, 0 when the file has no
	// such group.
	Line int

	pos map[string]entry // where each key was set
}

// Present reports whether the file has this group.
func (g *Group) Present() bool { return g.Line > 0 }

// Has reports whether the file sets key in this group. deepstream-app
// overrides a GIE's own config file only with keys that are set.
func (g *Group) Has(key string) bool {
	_, ok := g.pos[key]
	return ok
}

// KeyLine returns the line key was set on, or the group's line when the
// file does not set it.
func (g *Group) KeyLine(key string) int {
	if e, ok := g.pos[key]; ok {
		return e.line
	}
	return g.Line
}

// Raw returns key's value as written, and whether it is set.
func (g *Group) Raw(key string) (string, bool) {
	e, ok := g.pos[key]
	return e.value, ok
}

// Err returns an Error about key of this group that names the file,
// the key's line and its value (or the group's line when the key is
// unset), for problems found after parsing, e.g. a pipeline element
// rejecting a value.
func (g *Group) Err(key, msg string) *Error {
	e, ok := g.pos[key]
	if !ok {
		return &Error{File: g.File, Line: g.Line, Msg: "[" + g.Name + "] " + key + " (unset): " + msg}
	}
	return &Error{File: g.File, Line: e.line, Key: key, Value: e.value, Msg: msg}
}

// Color is an RGBA colour, each channel 0..1 (written "r;g;b;a").
type Color struct{ R, G, B, A float64 }

// Application is the [application] group.
type Application struct {
	Group
	// EnablePerfMeasurement prints frames per second per source
	// (enable-perf-measurement).
	EnablePerfMeasurement bool
	// PerfMeasurementIntervalSec is the interval of those prints
	// (perf-measurement-interval-sec; default 5, the value of every
	// DeepStream sample, where deepstream-app itself leaves 0).
	PerfMeasurementIntervalSec int
	// GIEKittiOutputDir receives each frame's detections in KITTI format
	// (gie-kitti-output-dir); empty for none.
	GIEKittiOutputDir string
	// KittiTrackOutputDir receives tracker output in KITTI format
	// (kitti-track-output-dir).
	KittiTrackOutputDir string
	// ReidTrackOutputDir, TerminatedTrackOutputDir and
	// ShadowTrackOutputDir receive the tracker's re-identification,
	// terminated-track and shadow-track dumps (reid-track-output-dir,
	// terminated-track-output-dir, shadow-track-output-dir).
	ReidTrackOutputDir, TerminatedTrackOutputDir, ShadowTrackOutputDir string
	// GlobalGPUID, when set (>= 0), is the GPU of every group that does
	// not set gpu-id (global-gpu-id, default -1).
	GlobalGPUID int
}

// Tests is the [tests] group.
type Tests struct {
	Group
	// FileLoop replays file sources from the start at their end
	// (file-loop).
	FileLoop bool
	// PipelineRecreateSec rebuilds the pipeline every so many seconds,
	// 0 never (pipeline-recreate-sec).
	PipelineRecreateSec int
}

// TiledDisplayMode is the value of [tiled-display] enable.
type TiledDisplayMode int

// Tiled display modes.
const (
	TiledDisplayDisable TiledDisplayMode = 0 // sources stay separate (one sink chain per source)
	TiledDisplayEnable  TiledDisplayMode = 1 // sources tiled into one frame
	// TiledDisplayParallelDemux tiles and also demuxes: sinks with
	// link-to-demux=1 get only their source-id's frames.
	TiledDisplayParallelDemux TiledDisplayMode = 2
)

// TiledDisplay is the [tiled-display] group (the nvmultistreamtiler).
type TiledDisplay struct {
	Group
	// Enable is the tiler mode (enable: 0 off, 1 on, 2 on plus demux).
	Enable TiledDisplayMode
	// Rows and Columns are the grid (rows, columns).
	Rows, Columns int
	// Width and Height are the tiled frame's size (width, height).
	Width, Height int
	// GPUID is the GPU (gpu-id).
	GPUID int
	// NvbufMemoryType is the output memory type (nvbuf-memory-type).
	NvbufMemoryType int
	// ComputeHW is 0 default, 1 GPU, 2 VIC (compute-hw).
	ComputeHW int
	// BufferPoolSize is the number of output buffers (buffer-pool-size).
	BufferPoolSize int
	// SquareSeqGrid arranges sources in a square grid in order
	// (square-seq-grid).
	SquareSeqGrid bool
}

// SourceType is the value of [sourceN] type.
type SourceType int

// Source types, as deepstream-app numbers them.
const (
	SourceCameraV4L2 SourceType = 1 // USB camera (v4l2src)
	SourceURI        SourceType = 2 // file://, rtsp://, http:// URI (uridecodebin)
	SourceMultiURI   SourceType = 3 // one URI opened num-sources times
	SourceRTSP       SourceType = 4 // rtsp:// with reconnection and smart record
	SourceCameraCSI  SourceType = 5 // Jetson CSI camera: dsgo cannot open it
	SourceAudioWAV   SourceType = 6 // WAV file (audio apps)
	SourceAudioURI   SourceType = 7 // audio URI (audio apps)
	SourceALSA       SourceType = 8 // ALSA capture device (audio apps)
)

// Source is one [sourceN] group (or [source-attr-all]).
type Source struct {
	Group
	// Index is N of [sourceN]; for sources made from [source-list] the
	// entry's position; -1 for [source-attr-all].
	Index int
	// Enable uses the source (enable). deepstream-app ignores a source
	// without enable=1.
	Enable bool
	// Type is one of the Source constants (type).
	Type SourceType
	// URI is the media to open (uri); a relative file:// path is made
	// absolute against the config file's directory.
	URI string
	// NumSources is how many times a type=3 source opens URI
	// (num-sources, default 1; values below 1 count as 1).
	NumSources int
	// GPUID is the decoder's GPU (gpu-id).
	GPUID int
	// CudadecMemType is the decoder's output memory: 0 device, 1 pinned,
	// 2 unified (cudadec-memtype).
	CudadecMemType int
	// NvbufMemoryType is the converter's memory type (nvbuf-memory-type).
	NvbufMemoryType int
	// CameraWidth, CameraHeight, CameraFPSN and CameraFPSD are a camera's
	// capture caps (camera-width, camera-height, camera-fps-n,
	// camera-fps-d).
	CameraWidth, CameraHeight, CameraFPSN, CameraFPSD int
	// CameraCSISensorID is a CSI camera's sensor (camera-csi-sensor-id).
	CameraCSISensorID int
	// CameraV4L2DevNode is N of /dev/videoN (camera-v4l2-dev-node).
	CameraV4L2DevNode int
	// CameraID is the id reported in metadata (camera-id; default N of
	// [sourceN]).
	CameraID int
	// SourceID is the stream's id for msgconv and smart record
	// (source-id).
	SourceID int
	// IntraDecode decodes key frames only (intra-decode-enable).
	IntraDecode bool
	// DecSkipFrames makes the decoder skip frames: 0 none, 1 non-ref,
	// 2 all but key frames (dec-skip-frames).
	DecSkipFrames int
	// NumDecodeSurfaces and NumExtraSurfaces size the decoder's pool
	// (num-decode-surfaces default 16, num-extra-surfaces default 1).
	NumDecodeSurfaces, NumExtraSurfaces int
	// DropFrameInterval keeps one frame in so many, 0 all
	// (drop-frame-interval).
	DropFrameInterval int
	// Latency is the RTSP jitter buffer in ms (latency, default 100).
	Latency int
	// SelectRTPProtocol is 0 for UDP with TCP fallback, 4 for TCP only
	// (select-rtp-protocol).
	SelectRTPProtocol int
	// RTSPReconnectIntervalSec reconnects an RTSP source that sent no
	// data for so many seconds, 0 never (rtsp-reconnect-interval-sec).
	RTSPReconnectIntervalSec int
	// RTSPReconnectAttempts bounds reconnections, -1 unbounded
	// (rtsp-reconnect-attempts, default -1).
	RTSPReconnectAttempts int
	// LiveSource marks the source live (live-source).
	LiveSource bool
	// FileLoop loops this file source (file-loop).
	FileLoop bool
	// AlsaDevice is an ALSA device name for type=8 (alsa-device).
	AlsaDevice string
	// LowLatencyDecode makes the decoder output each frame at once
	// (low-latency-decode).
	LowLatencyDecode bool
	// UDPBufferSize is the RTSP source's UDP socket buffer
	// (udp-buffer-size).
	UDPBufferSize int
	// VideoFormat is the converter's output format, as written
	// (video-format, e.g. RGBA; empty for NV12).
	VideoFormat string

	// SmartRecord is 0 off, 1 on cloud messages, 2 on cloud messages and
	// local events (smart-record).
	SmartRecord int
	// SmartRecDirPath is where recordings go (smart-rec-dir-path,
	// default the current directory).
	SmartRecDirPath string
	// SmartRecFilePrefix starts each recording's file name
	// (smart-rec-file-prefix).
	SmartRecFilePrefix string
	// SmartRecCache is the seconds of video kept before an event
	// (smart-rec-cache; legacy smart-rec-video-cache).
	SmartRecCache int
	// SmartRecContainer is 0 MP4, 1 MKV (smart-rec-container).
	SmartRecContainer int
	// SmartRecStartTime is how many seconds before the event a recording
	// starts (smart-rec-start-time).
	SmartRecStartTime int
	// SmartRecDefaultDuration is a recording's length when no stop comes
	// (smart-rec-default-duration).
	SmartRecDefaultDuration int
	// SmartRecDuration is the length of recordings started by local
	// events (smart-rec-duration).
	SmartRecDuration int
	// SmartRecInterval is the seconds between local events
	// (smart-rec-interval).
	SmartRecInterval int
}

// SourceList is DeepStream 6's [source-list] group.
type SourceList struct {
	Group
	// NumSourceBins is the number of sources (num-source-bins).
	NumSourceBins int
	// List are the URIs (list, ';'-separated), relative file:// paths
	// resolved against the config file's directory.
	List []string
	// SensorIDList and SensorNameList name each source
	// (sensor-id-list, sensor-name-list).
	SensorIDList, SensorNameList []string
	// UseNvmultiurisrcbin adds sources at run time through a REST API
	// (use-nvmultiurisrcbin); MaxBatchSize, HTTPIP and HTTPPort configure
	// it (max-batch-size, http-ip, http-port).
	UseNvmultiurisrcbin bool
	MaxBatchSize        int
	HTTPIP, HTTPPort    string
	// StreamNameList names streams for the REST API (stream-name-list).
	StreamNameList []string
	// StreamNameDisplay shows stream names on the OSD
	// (stream-name-display).
	StreamNameDisplay bool
	// SGIEBatchSize is the batch size of every secondary GIE, 0 to keep
	// theirs (sgie-batch-size).
	SGIEBatchSize int
}

// Streammux is the [streammux] group (nvstreammux).
type Streammux struct {
	Group
	// GPUID is the GPU (gpu-id).
	GPUID int
	// LiveSource says the sources are live (live-source).
	LiveSource bool
	// BatchSize is frames per batch (batch-size; 0: the number of
	// sources, as deepstream-app does).
	BatchSize int
	// BatchedPushTimeout is the µs to wait for a full batch, -1 forever
	// (batched-push-timeout, default -1).
	BatchedPushTimeout int
	// Width and Height are the batch's frame size (width, height).
	Width, Height int
	// EnablePadding scales keeping aspect ratio (enable-padding).
	EnablePadding bool
	// NvbufMemoryType is the output memory type (nvbuf-memory-type).
	NvbufMemoryType int
	// BufferPoolSize is the number of output buffers (buffer-pool-size).
	BufferPoolSize int
	// AttachSysTSAsNTP stamps frames with the system clock as NTP time
	// (attach-sys-ts-as-ntp, default true).
	AttachSysTSAsNTP bool
	// ConfigFile is the new streammux's config (config-file).
	ConfigFile string
	// SyncInputs synchronises inputs by timestamp (sync-inputs).
	SyncInputs bool
	// MaxLatency is the new streammux's latency bound in ns (max-latency).
	MaxLatency uint64
	// FrameNumResetOnEOS restarts frame numbers after EOS
	// (frame-num-reset-on-eos).
	FrameNumResetOnEOS bool
	// FrameNumResetOnStreamReset restarts frame numbers on a stream reset
	// (frame-num-reset-on-stream-reset).
	FrameNumResetOnStreamReset bool
	// FrameDuration is the new streammux's frame duration in ms, -1 from
	// the stream (frame-duration, default -1).
	FrameDuration int
	// ComputeHW is 0 default, 1 GPU, 2 VIC (compute-hw).
	ComputeHW int
	// InterpolationMethod is the scaling filter (interpolation-method).
	InterpolationMethod int
	// NumSurfacesPerFrame is surfaces per frame, for dewarped sources
	// (num-surfaces-per-frame).
	NumSurfacesPerFrame int
	// AsyncProcess and DropPipelineEOS are the new streammux's async
	// processing and EOS handling (async-process, drop-pipeline-eos).
	AsyncProcess, DropPipelineEOS bool
}

// PreProcess is [pre-process] or a [secondary-pre-processN] group
// (nvdspreprocess).
type PreProcess struct {
	Group
	// Index is N of [secondary-pre-processN], -1 for [pre-process].
	Index int
	// Enable uses the element (enable).
	Enable bool
	// ConfigFile is nvdspreprocess's config (config-file).
	ConfigFile string
	// OperateOnGIEID limits a secondary pre-process to objects of that
	// GIE (operate-on-gie-id, default -1).
	OperateOnGIEID int
}

// GIEPluginType is the value of a GIE group's plugin-type.
type GIEPluginType int

// GIE plugin types.
const (
	PluginNvinfer       GIEPluginType = 0 // nvinfer, config-file is an nvinfer config
	PluginNvinferserver GIEPluginType = 1 // nvinferserver, config-file is protobuf text
)

// GIE is [primary-gie] or a [secondary-gieN] group. deepstream-app
// passes the keys that are set (see Group.Has) to the element, over the
// values of its own config-file.
type GIE struct {
	Group
	// Index is N of [secondary-gieN], -1 for [primary-gie].
	Index int
	// Enable uses the element (enable).
	Enable bool
	// PluginType is nvinfer (0) or nvinferserver (1) (plugin-type).
	PluginType GIEPluginType
	// ConfigFile is the element's config (config-file, required).
	ConfigFile string
	// ModelEngineFile overrides the config's engine (model-engine-file).
	ModelEngineFile string
	// LabelfilePath is read by deepstream-app for labels
	// (labelfile-path).
	LabelfilePath string
	// BatchSize overrides the config's batch size (batch-size; 0 when
	// unset).
	BatchSize int
	// Interval overrides the config's interval (interval).
	Interval int
	// GIEUniqueID overrides the config's gie-unique-id (gie-unique-id;
	// 0 when unset).
	GIEUniqueID int
	// OperateOnGIEID overrides operate-on-gie-id (operate-on-gie-id).
	OperateOnGIEID int
	// OperateOnClassIDs overrides operate-on-class-ids
	// (operate-on-class-ids).
	OperateOnClassIDs []int
	// GPUID overrides the config's GPU (gpu-id).
	GPUID int
	// NvbufMemoryType is the element's memory type (nvbuf-memory-type).
	NvbufMemoryType int
	// InputTensorMeta infers on tensors attached by nvdspreprocess
	// (input-tensor-meta).
	InputTensorMeta bool
	// InferRawOutputDir dumps raw outputs there (infer-raw-output-dir).
	InferRawOutputDir string
	// BBoxBorderColor is the box colour of every class without its own
	// (bbox-border-color, default 1;0;0;1); BBoxBorderColors those of
	// single classes (bbox-border-color<class-id>).
	BBoxBorderColor  Color
	BBoxBorderColors map[int]Color
	// BBoxBgColor is the box fill of every class without its own
	// (bbox-bg-color), nil for none; BBoxBgColors those of single classes
	// (bbox-bg-color<class-id>).
	BBoxBgColor  *Color
	BBoxBgColors map[int]Color
	// AudioTransform, AudioFramesize, AudioHopsize and AudioInputRate
	// configure audio inference (audio-transform, audio-framesize,
	// audio-hopsize, audio-input-rate).
	AudioTransform                               string
	AudioFramesize, AudioHopsize, AudioInputRate int
}

// Tracker is the [tracker] group (nvtracker).
type Tracker struct {
	Group
	// Enable uses the tracker (enable).
	Enable bool
	// Width and Height are the frame size the tracker works at
	// (tracker-width, tracker-height).
	Width, Height int
	// GPUID is the GPU (gpu-id).
	GPUID int
	// LLLibFile is the low-level tracker library (ll-lib-file); dsgo maps
	// DeepStream's library names to its own trackers.
	LLLibFile string
	// LLConfigFile is the low-level tracker's config (ll-config-file).
	LLConfigFile string
	// EnableBatchProcess tracks all sources in one call
	// (enable-batch-process, default true).
	EnableBatchProcess bool
	// EnablePastFrame reports past-frame data (enable-past-frame).
	EnablePastFrame bool
	// DisplayTrackingID shows track ids on the OSD
	// (display-tracking-id, default true).
	DisplayTrackingID bool
	// TrackingIDResetMode: 0 never, 1 on stream reset, 2 on EOS, 3 both
	// (tracking-id-reset-mode).
	TrackingIDResetMode int
	// TrackingSurfaceType selects which surfaces to track
	// (tracking-surface-type); TrackerSurfaceType is its older name
	// (tracker-surface-type).
	TrackingSurfaceType, TrackerSurfaceType int
	// ComputeHW is 0 default, 1 GPU, 2 VIC (compute-hw).
	ComputeHW int
	// InputTensorMeta and TensorMetaGIEID use tensors from
	// nvdspreprocess (input-tensor-meta, tensor-meta-gie-id).
	InputTensorMeta bool
	TensorMetaGIEID int
	// UserMetaPoolSize sizes the tracker's metadata pool
	// (user-meta-pool-size).
	UserMetaPoolSize int
	// SubBatches splits the batch between tracker instances
	// (sub-batches), as written.
	SubBatches string
}

// Analytics is the [nvds-analytics] group.
type Analytics struct {
	Group
	// Enable uses nvdsanalytics (enable).
	Enable bool
	// ConfigFile is its config (config-file).
	ConfigFile string
}

// DSExample is the [ds-example] group (the sample custom element):
// accepted and recorded.
type DSExample struct {
	Group
	Enable                            bool // enable
	FullFrame                         bool // full-frame
	ProcessingWidth, ProcessingHeight int  // processing-width, processing-height
	BlurObjects                       bool // blur-objects
	UniqueID                          int  // unique-id
	GPUID                             int  // gpu-id
	NvbufMemoryType                   int  // nvbuf-memory-type
	BatchSize                         int  // batch-size
}

// Dewarper is the [dewarper] group (360° camera dewarping): accepted and
// recorded.
type Dewarper struct {
	Group
	Enable              bool   // enable
	GPUID               int    // gpu-id
	ConfigFile          string // config-file
	NvbufMemoryType     int    // nvbuf-memory-type
	NumSurfacesPerFrame int    // num-surfaces-per-frame
	SourceID            int    // source-id
}

// OSD is the [osd] group (nvdsosd).
type OSD struct {
	Group
	// Enable draws (enable).
	Enable bool
	// ProcessMode is 0 CPU, 1 GPU, 2 VIC (process-mode).
	ProcessMode int
	// BorderWidth is the box line width (border-width).
	BorderWidth int
	// BorderColor is accepted for old configs (border-color).
	BorderColor *Color
	// TextSize and Font are the labels' size and font (text-size, font).
	TextSize int
	Font     string
	// TextColor and TextBgColor are the labels' colours (text-color,
	// text-bg-color); TextBgColor nil for no background.
	TextColor   Color
	TextBgColor *Color
	// ShowClock draws the time (show-clock) at ClockXOffset,
	// ClockYOffset in ClockTextSize and ClockColor (clock-x-offset,
	// clock-y-offset, clock-text-size, clock-color).
	ShowClock                  bool
	ClockXOffset, ClockYOffset int
	ClockTextSize              int
	ClockColor                 Color
	// DisplayText, DisplayBBox and DisplayMask choose what is drawn
	// (display-text and display-bbox default true, display-mask false).
	DisplayText, DisplayBBox, DisplayMask bool
	// HWBlendColorAttr is a VIC blending setting, as written
	// (hw-blend-color-attr).
	HWBlendColorAttr string
	// GPUID is the GPU (gpu-id).
	GPUID int
	// NvbufMemoryType is the memory type (nvbuf-memory-type).
	NvbufMemoryType int
}

// SinkType is the value of [sinkN] type.
type SinkType int

// Sink types, as deepstream-app numbers them.
const (
	SinkFake    SinkType = 1 // fakesink
	SinkDisplay SinkType = 2 // on-screen window (EGL)
	SinkFile    SinkType = 3 // encode into a file
	SinkRTSP    SinkType = 4 // encode and stream over RTSP (and UDP)
	// SinkOverlay is the Jetson overlay (DeepStream 6.1 and older) or the
	// DRM display (6.2 and newer): dsgo shows a window as for 2.
	SinkOverlay   SinkType = 5
	SinkMsgBroker SinkType = 6 // msgconv + msgbroker: events to a broker
	// SinkDisplay3D is not a deepstream-app sink type (on Jetson, type 2
	// is nv3dsink): ValidateSyntax rejects type=7, so a parsed App never
	// holds it. It stays only because callers name it.
	SinkDisplay3D SinkType = 7
)

// Sink is one [sinkN] group.
type Sink struct {
	Group
	// Index is N of [sinkN].
	Index int
	// Enable uses the sink (enable). deepstream-app ignores a sink
	// without enable=1.
	Enable bool
	// Type is one of the Sink constants (type).
	Type SinkType
	// Sync makes the sink wait for each buffer's time (sync).
	Sync bool
	// QoS enables QoS events (qos); QoSSet says whether qos was set.
	QoS bool
	// Width, Height, OffsetX, OffsetY, DisplayID and OverlayID place a
	// display window (width, height, offset-x, offset-y, display-id,
	// overlay-id).
	Width, Height, OffsetX, OffsetY, DisplayID, OverlayID int
	// GPUID is the encoder's or renderer's GPU (gpu-id).
	GPUID int
	// NvbufMemoryType is the memory type (nvbuf-memory-type).
	NvbufMemoryType int
	// SourceID is the source a sink of a demuxed pipeline shows
	// (source-id); LinkToDemux connects it to that source only
	// (link-to-demux).
	SourceID    int
	LinkToDemux bool

	// Codec is 1 H.264, 2 H.265, 3 MPEG-4 (codec); 0 when unset, which
	// deepstream-app rejects for type=3 and 4.
	Codec int
	// Container is 1 MP4, 2 MKV (container); 0 when unset, which
	// deepstream-app rejects for type=3.
	Container int
	// EncType is 0 hardware, 1 software encoder (enc-type).
	EncType int
	// Bitrate in bits per second (bitrate), Profile (profile) and
	// IFrameInterval (iframeinterval) configure the encoder.
	Bitrate, Profile, IFrameInterval int
	// OutputFile is a type=3 sink's file (output-file), kept as written
	// (deepstream-app opens it relative to the current directory).
	OutputFile string
	// CopyMeta, OutputIOMode and SwPreset configure the encoder
	// (copy-meta, output-io-mode, sw-preset).
	CopyMeta     bool
	OutputIOMode int
	SwPreset     int
	// ColorRange, ConnID, PlaneID and SetMode configure a DRM display
	// (color-range and set-mode default -1, conn-id, plane-id).
	ColorRange, ConnID, PlaneID, SetMode int
	// RTSPPort and UDPPort are a type=4 sink's ports (rtsp-port default
	// 8554, udp-port default 5000); UDPBufferSize its socket buffer
	// (udp-buffer-size).
	RTSPPort, UDPPort int
	UDPBufferSize     uint64

	// MsgConv configures a type=6 sink's converter.
	MsgConv
	// MsgBrokerProtoLib is the broker adapter library
	// (msg-broker-proto-lib), as written; dsgo maps DeepStream's library
	// names (libnvds_kafka_proto.so, ...) to its own adapters.
	MsgBrokerProtoLib string
	// MsgBrokerConnStr is "host;port[;topic]" (msg-broker-conn-str).
	MsgBrokerConnStr string
	// Topic is the topic to publish to (topic).
	Topic string
	// MsgBrokerConfig is the adapter's config file (msg-broker-config).
	MsgBrokerConfig string
	// MsgBrokerCompID selects events by component id (msg-broker-comp-id).
	MsgBrokerCompID int
	// DisableMsgConv sends without a converter (disable-msgconv).
	DisableMsgConv bool
	// NewAPI uses the broker's new asynchronous API (new-api).
	NewAPI bool
}

// MsgConv are the message converter's keys, in a type=6 [sinkN] or in
// [message-converter].
type MsgConv struct {
	// MsgConvConfig is the converter's config (msg-conv-config).
	MsgConvConfig string
	// MsgConvPayloadType: 0 DeepStream JSON, 1 minimal JSON, 256 reserved,
	// 257 custom (msg-conv-payload-type).
	MsgConvPayloadType int
	// MsgConvMsg2pLib is a custom payload library (msg-conv-msg2p-lib).
	MsgConvMsg2pLib string
	// MsgConvCompID selects events by component id (msg-conv-comp-id).
	MsgConvCompID int
	// DebugPayloadDir dumps payloads there (debug-payload-dir).
	DebugPayloadDir string
	// MultiplePayloads lets the converter make several payloads per
	// event (multiple-payloads).
	MultiplePayloads bool
	// MsgConvMsg2pNewAPI uses the converter library's new API
	// (msg-conv-msg2p-new-api).
	MsgConvMsg2pNewAPI bool
	// MsgConvFrameInterval sends frame metadata every so many frames
	// (msg-conv-frame-interval, default 30).
	MsgConvFrameInterval int
}

// MessageConverter is the [message-converter] group.
type MessageConverter struct {
	Group
	// Enable uses the converter (enable).
	Enable bool
	MsgConv
}

// MessageConsumer is one [message-consumerN] group: a subscriber that
// receives cloud-to-device messages (e.g. smart record start/stop).
type MessageConsumer struct {
	Group
	// Index is N of [message-consumerN].
	Index int
	// Enable uses the consumer (enable).
	Enable bool
	// ConfigFile is the adapter's config (config-file).
	ConfigFile string
	// ProtoLib is the adapter library (proto-lib), as written.
	ProtoLib string
	// ConnStr is "host;port" (conn-str).
	ConnStr string
	// SensorListFile maps sensor names to source ids
	// (sensor-list-file).
	SensorListFile string
	// SubscribeTopicList are the topics (subscribe-topic-list).
	SubscribeTopicList []string
}

// ImgSave is the [img-save] group: saving frames and crops of objects.
type ImgSave struct {
	Group
	// Enable saves images (enable).
	Enable bool
	// OutputFolderPath is where images go (output-folder-path).
	OutputFolderPath string
	// SaveImgFullFrame and SaveImgCroppedObj choose what is saved
	// (save-img-full-frame default true, save-img-cropped-obj).
	SaveImgFullFrame, SaveImgCroppedObj bool
	// FrameToSkipRulesPath is a CSV of rules (frame-to-skip-rules-path).
	FrameToSkipRulesPath string
	// SecondToSkipInterval is the seconds between saves of one object
	// (second-to-skip-interval, default 600).
	SecondToSkipInterval float64
	// MinConfidence and MaxConfidence bound the objects saved
	// (min-confidence, max-confidence default 1).
	MinConfidence, MaxConfidence float64
	// MinBoxWidth and MinBoxHeight bound the objects saved
	// (min-box-width, min-box-height, default 1).
	MinBoxWidth, MinBoxHeight int
	// GPUID is the GPU (gpu-id).
	GPUID int
}

// LoadApp reads the deepstream-app configuration file at path and checks
// it with ValidateSyntax. Relative paths resolve against path's
// directory. Unknown groups and keys give warnings; bad values an
// ErrorList naming each file:line. Referenced files are checked only by
// ValidateFiles.
func LoadApp(path string) (*App, []Warning, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	return ParseApp(path, f, "")
}

// ParseApp reads a deepstream-app configuration from r and checks it
// with ValidateSyntax; name is used in errors, dir to resolve relative
// paths ("" means name's directory). Unknown groups and keys give
// warnings; bad values an ErrorList naming each file:line.
func ParseApp(name string, r io.Reader, dir string) (*App, []Warning, error) {
	return parseApp(name, r, dir)
}
