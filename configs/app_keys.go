package configs

// keyKind says how a string value is stored.
type keyKind uint8

const (
	kindPlain keyKind = iota // as written
	kindPath                 // resolved against the config file's directory
	kindURI                  // a file:// URI's path resolved likewise
)

// appKey says where a key of a deepstream-app group goes: get returns a
// pointer to the field (nil for keys accepted but not recorded).
type appKey[T any] struct {
	get  func(*T) any
	kind keyKind
}

// ak is a key stored as written, akPath a path resolved against the config
// file's directory (as deepstream-app's get_absolute_file_path does), akAccepted
// a key deepstream-app accepts that dsgo does not record.
func ak[T any](get func(*T) any) appKey[T]     { return appKey[T]{get: get} }
func akPath[T any](get func(*T) any) appKey[T] { return appKey[T]{get: get, kind: kindPath} }
func akAccepted[T any]() appKey[T]             { return appKey[T]{} }

// The tables below are the keys deepstream-app's parsers accept
// (deepstream_config_file_parser.c and deepstream_app_config_parser.c,
// DeepStream 4.0 to 7.x); whether a path is resolved follows them.

var applicationKeys = map[string]appKey[Application]{
	"enable-perf-measurement":       ak(func(a *Application) any { return &a.EnablePerfMeasurement }),
	"perf-measurement-interval-sec": ak(func(a *Application) any { return &a.PerfMeasurementIntervalSec }),
	"gie-kitti-output-dir":          akPath(func(a *Application) any { return &a.GIEKittiOutputDir }),
	"kitti-track-output-dir":        akPath(func(a *Application) any { return &a.KittiTrackOutputDir }),
	"reid-track-output-dir":         akPath(func(a *Application) any { return &a.ReidTrackOutputDir }),
	"terminated-track-output-dir":   akPath(func(a *Application) any { return &a.TerminatedTrackOutputDir }),
	"shadow-track-output-dir":       akPath(func(a *Application) any { return &a.ShadowTrackOutputDir }),
	"global-gpu-id":                 ak(func(a *Application) any { return &a.GlobalGPUID }),
}

var testsKeys = map[string]appKey[Tests]{
	"file-loop":             ak(func(t *Tests) any { return &t.FileLoop }),
	"pipeline-recreate-sec": ak(func(t *Tests) any { return &t.PipelineRecreateSec }),
}

var tiledDisplayKeys = map[string]appKey[TiledDisplay]{
	"enable":            ak(func(t *TiledDisplay) any { return (*int)(&t.Enable) }),
	"rows":              ak(func(t *TiledDisplay) any { return &t.Rows }),
	"columns":           ak(func(t *TiledDisplay) any { return &t.Columns }),
	"width":             ak(func(t *TiledDisplay) any { return &t.Width }),
	"height":            ak(func(t *TiledDisplay) any { return &t.Height }),
	"gpu-id":            ak(func(t *TiledDisplay) any { return &t.GPUID }),
	"nvbuf-memory-type": ak(func(t *TiledDisplay) any { return &t.NvbufMemoryType }),
	"compute-hw":        ak(func(t *TiledDisplay) any { return &t.ComputeHW }),
	"buffer-pool-size":  ak(func(t *TiledDisplay) any { return &t.BufferPoolSize }),
	"square-seq-grid":   ak(func(t *TiledDisplay) any { return &t.SquareSeqGrid }),
}

var sourceKeys = map[string]appKey[Source]{
	"enable":                      ak(func(s *Source) any { return &s.Enable }),
	"type":                        ak(func(s *Source) any { return (*int)(&s.Type) }),
	"uri":                         {get: func(s *Source) any { return &s.URI }, kind: kindURI},
	"num-sources":                 ak(func(s *Source) any { return &s.NumSources }),
	"gpu-id":                      ak(func(s *Source) any { return &s.GPUID }),
	"cudadec-memtype":             ak(func(s *Source) any { return &s.CudadecMemType }),
	"nvbuf-memory-type":           ak(func(s *Source) any { return &s.NvbufMemoryType }),
	"camera-width":                ak(func(s *Source) any { return &s.CameraWidth }),
	"camera-height":               ak(func(s *Source) any { return &s.CameraHeight }),
	"camera-fps-n":                ak(func(s *Source) any { return &s.CameraFPSN }),
	"camera-fps-d":                ak(func(s *Source) any { return &s.CameraFPSD }),
	"camera-csi-sensor-id":        ak(func(s *Source) any { return &s.CameraCSISensorID }),
	"camera-v4l2-dev-node":        ak(func(s *Source) any { return &s.CameraV4L2DevNode }),
	"camera-id":                   ak(func(s *Source) any { return &s.CameraID }),
	"source-id":                   ak(func(s *Source) any { return &s.SourceID }),
	"intra-decode-enable":         ak(func(s *Source) any { return &s.IntraDecode }),
	"dec-skip-frames":             ak(func(s *Source) any { return &s.DecSkipFrames }),
	"num-decode-surfaces":         ak(func(s *Source) any { return &s.NumDecodeSurfaces }),
	"num-extra-surfaces":          ak(func(s *Source) any { return &s.NumExtraSurfaces }),
	"drop-frame-interval":         ak(func(s *Source) any { return &s.DropFrameInterval }),
	"latency":                     ak(func(s *Source) any { return &s.Latency }),
	"select-rtp-protocol":         ak(func(s *Source) any { return &s.SelectRTPProtocol }),
	"rtsp-reconnect-interval-sec": ak(func(s *Source) any { return &s.RTSPReconnectIntervalSec }),
	"rtsp-reconnect-attempts":     ak(func(s *Source) any { return &s.RTSPReconnectAttempts }),
	"live-source":                 ak(func(s *Source) any { return &s.LiveSource }),
	"file-loop":                   ak(func(s *Source) any { return &s.FileLoop }),
	"alsa-device":                 ak(func(s *Source) any { return &s.AlsaDevice }),
	"low-latency-decode":          ak(func(s *Source) any { return &s.LowLatencyDecode }),
	"udp-buffer-size":             ak(func(s *Source) any { return &s.UDPBufferSize }),
	"video-format":                ak(func(s *Source) any { return &s.VideoFormat }),
	"smart-record":                ak(func(s *Source) any { return &s.SmartRecord }),
	"smart-rec-dir-path":          ak(func(s *Source) any { return &s.SmartRecDirPath }),
	"smart-rec-file-prefix":       ak(func(s *Source) any { return &s.SmartRecFilePrefix }),
	"smart-rec-cache":             ak(func(s *Source) any { return &s.SmartRecCache }),
	"smart-rec-video-cache":       ak(func(s *Source) any { return &s.SmartRecCache }),
	"smart-rec-container":         ak(func(s *Source) any { return &s.SmartRecContainer }),
	"smart-rec-start-time":        ak(func(s *Source) any { return &s.SmartRecStartTime }),
	"smart-rec-default-duration":  ak(func(s *Source) any { return &s.SmartRecDefaultDuration }),
	"smart-rec-duration":          ak(func(s *Source) any { return &s.SmartRecDuration }),
	"smart-rec-interval":          ak(func(s *Source) any { return &s.SmartRecInterval }),
}

var sourceListKeys = map[string]appKey[SourceList]{
	"num-source-bins":      ak(func(s *SourceList) any { return &s.NumSourceBins }),
	"list":                 ak(func(s *SourceList) any { return &s.List }),
	"sensor-id-list":       ak(func(s *SourceList) any { return &s.SensorIDList }),
	"sensor-name-list":     ak(func(s *SourceList) any { return &s.SensorNameList }),
	"use-nvmultiurisrcbin": ak(func(s *SourceList) any { return &s.UseNvmultiurisrcbin }),
	"max-batch-size":       ak(func(s *SourceList) any { return &s.MaxBatchSize }),
	"http-ip":              ak(func(s *SourceList) any { return &s.HTTPIP }),
	"http-port":            ak(func(s *SourceList) any { return &s.HTTPPort }),
	"stream-name-list":     ak(func(s *SourceList) any { return &s.StreamNameList }),
	"stream-name-display":  ak(func(s *SourceList) any { return &s.StreamNameDisplay }),
	"sgie-batch-size":      ak(func(s *SourceList) any { return &s.SGIEBatchSize }),
}

var streammuxKeys = map[string]appKey[Streammux]{
	"gpu-id":                          ak(func(m *Streammux) any { return &m.GPUID }),
	"live-source":                     ak(func(m *Streammux) any { return &m.LiveSource }),
	"batch-size":                      ak(func(m *Streammux) any { return &m.BatchSize }),
	"batched-push-timeout":            ak(func(m *Streammux) any { return &m.BatchedPushTimeout }),
	"width":                           ak(func(m *Streammux) any { return &m.Width }),
	"height":                          ak(func(m *Streammux) any { return &m.Height }),
	"enable-padding":                  ak(func(m *Streammux) any { return &m.EnablePadding }),
	"nvbuf-memory-type":               ak(func(m *Streammux) any { return &m.NvbufMemoryType }),
	"buffer-pool-size":                ak(func(m *Streammux) any { return &m.BufferPoolSize }),
	"attach-sys-ts-as-ntp":            ak(func(m *Streammux) any { return &m.AttachSysTSAsNTP }),
	"attach-sys-ts":                   ak(func(m *Streammux) any { return &m.AttachSysTSAsNTP }),
	"config-file":                     akPath(func(m *Streammux) any { return &m.ConfigFile }),
	"sync-inputs":                     ak(func(m *Streammux) any { return &m.SyncInputs }),
	"max-latency":                     ak(func(m *Streammux) any { return &m.MaxLatency }),
	"frame-num-reset-on-eos":          ak(func(m *Streammux) any { return &m.FrameNumResetOnEOS }),
	"frame-num-reset-on-stream-reset": ak(func(m *Streammux) any { return &m.FrameNumResetOnStreamReset }),
	"frame-duration":                  ak(func(m *Streammux) any { return &m.FrameDuration }),
	"compute-hw":                      ak(func(m *Streammux) any { return &m.ComputeHW }),
	"interpolation-method":            ak(func(m *Streammux) any { return &m.InterpolationMethod }),
	"num-surfaces-per-frame":          ak(func(m *Streammux) any { return &m.NumSurfacesPerFrame }),
	"async-process":                   ak(func(m *Streammux) any { return &m.AsyncProcess }),
	"drop-pipeline-eos":               ak(func(m *Streammux) any { return &m.DropPipelineEOS }),
}

var preProcessKeys = map[string]appKey[PreProcess]{
	"enable":            ak(func(p *PreProcess) any { return &p.Enable }),
	"config-file":       akPath(func(p *PreProcess) any { return &p.ConfigFile }),
	"operate-on-gie-id": ak(func(p *PreProcess) any { return &p.OperateOnGIEID }),
}

// gieKeys are the keys of GIE groups; bbox-border-color<N> and
// bbox-bg-color<N> are handled by appParser.gie.
var gieKeys = map[string]appKey[GIE]{
	"enable":               ak(func(g *GIE) any { return &g.Enable }),
	"plugin-type":          ak(func(g *GIE) any { return (*int)(&g.PluginType) }),
	"config-file":          akPath(func(g *GIE) any { return &g.ConfigFile }),
	"model-engine-file":    akPath(func(g *GIE) any { return &g.ModelEngineFile }),
	"labelfile-path":       akPath(func(g *GIE) any { return &g.LabelfilePath }),
	"batch-size":           ak(func(g *GIE) any { return &g.BatchSize }),
	"interval":             ak(func(g *GIE) any { return &g.Interval }),
	"gie-unique-id":        ak(func(g *GIE) any { return &g.GIEUniqueID }),
	"operate-on-gie-id":    ak(func(g *GIE) any { return &g.OperateOnGIEID }),
	"operate-on-class-ids": ak(func(g *GIE) any { return &g.OperateOnClassIDs }),
	"gpu-id":               ak(func(g *GIE) any { return &g.GPUID }),
	"nvbuf-memory-type":    ak(func(g *GIE) any { return &g.NvbufMemoryType }),
	"input-tensor-meta":    ak(func(g *GIE) any { return &g.InputTensorMeta }),
	"infer-raw-output-dir": akPath(func(g *GIE) any { return &g.InferRawOutputDir }),
	"audio-transform":      ak(func(g *GIE) any { return &g.AudioTransform }),
	"audio-framesize":      ak(func(g *GIE) any { return &g.AudioFramesize }),
	"audio-hopsize":        ak(func(g *GIE) any { return &g.AudioHopsize }),
	"audio-input-rate":     ak(func(g *GIE) any { return &g.AudioInputRate }),
}

var trackerKeys = map[string]appKey[Tracker]{
	"enable":                           ak(func(t *Tracker) any { return &t.Enable }),
	"tracker-width":                    ak(func(t *Tracker) any { return &t.Width }),
	"tracker-height":                   ak(func(t *Tracker) any { return &t.Height }),
	"gpu-id":                           ak(func(t *Tracker) any { return &t.GPUID }),
	"ll-lib-file":                      akPath(func(t *Tracker) any { return &t.LLLibFile }),
	"ll-config-file":                   akPath(func(t *Tracker) any { return &t.LLConfigFile }),
	"enable-batch-process":             ak(func(t *Tracker) any { return &t.EnableBatchProcess }),
	"enable-past-frame":                ak(func(t *Tracker) any { return &t.EnablePastFrame }),
	"display-tracking-id":              ak(func(t *Tracker) any { return &t.DisplayTrackingID }),
	"tracking-id-reset-mode":           ak(func(t *Tracker) any { return &t.TrackingIDResetMode }),
	"tracking-surface-type":            ak(func(t *Tracker) any { return &t.TrackingSurfaceType }),
	"tracker-surface-type":             ak(func(t *Tracker) any { return &t.TrackerSurfaceType }),
	"compute-hw":                       ak(func(t *Tracker) any { return &t.ComputeHW }),
	"input-tensor-meta":                ak(func(t *Tracker) any { return &t.InputTensorMeta }),
	"tensor-meta-gie-id":               ak(func(t *Tracker) any { return &t.TensorMetaGIEID }),
	"user-meta-pool-size":              ak(func(t *Tracker) any { return &t.UserMetaPoolSize }),
	"sub-batches":                      ak(func(t *Tracker) any { return &t.SubBatches }),
	"sub-batch-err-recovery-trial-cnt": akAccepted[Tracker](),
	"tracker-algorithm":                akAccepted[Tracker](), // DeepStream 3/4
	"iou-threshold":                    akAccepted[Tracker](), // DeepStream 3/4
}

var analyticsKeys = map[string]appKey[Analytics]{
	"enable":      ak(func(a *Analytics) any { return &a.Enable }),
	"config-file": akPath(func(a *Analytics) any { return &a.ConfigFile }),
}

var dsExampleKeys = map[string]appKey[DSExample]{
	"enable":            ak(func(d *DSExample) any { return &d.Enable }),
	"full-frame":        ak(func(d *DSExample) any { return &d.FullFrame }),
	"processing-width":  ak(func(d *DSExample) any { return &d.ProcessingWidth }),
	"processing-height": ak(func(d *DSExample) any { return &d.ProcessingHeight }),
	"blur-objects":      ak(func(d *DSExample) any { return &d.BlurObjects }),
	"unique-id":         ak(func(d *DSExample) any { return &d.UniqueID }),
	"gpu-id":            ak(func(d *DSExample) any { return &d.GPUID }),
	"nvbuf-memory-type": ak(func(d *DSExample) any { return &d.NvbufMemoryType }),
	"batch-size":        ak(func(d *DSExample) any { return &d.BatchSize }),
}

var dewarperKeys = map[string]appKey[Dewarper]{
	"enable":                 ak(func(d *Dewarper) any { return &d.Enable }),
	"gpu-id":                 ak(func(d *Dewarper) any { return &d.GPUID }),
	"config-file":            akPath(func(d *Dewarper) any { return &d.ConfigFile }),
	"nvbuf-memory-type":      ak(func(d *Dewarper) any { return &d.NvbufMemoryType }),
	"num-surfaces-per-frame": ak(func(d *Dewarper) any { return &d.NumSurfacesPerFrame }),
	"source-id":              ak(func(d *Dewarper) any { return &d.SourceID }),
}

var osdKeys = map[string]appKey[OSD]{
	"enable":              ak(func(o *OSD) any { return &o.Enable }),
	"process-mode":        ak(func(o *OSD) any { return &o.ProcessMode }),
	"border-width":        ak(func(o *OSD) any { return &o.BorderWidth }),
	"border-color":        ak(func(o *OSD) any { return &o.BorderColor }),
	"text-size":           ak(func(o *OSD) any { return &o.TextSize }),
	"font":                ak(func(o *OSD) any { return &o.Font }),
	"text-color":          ak(func(o *OSD) any { return &o.TextColor }),
	"text-bg-color":       ak(func(o *OSD) any { return &o.TextBgColor }),
	"show-clock":          ak(func(o *OSD) any { return &o.ShowClock }),
	"clock-x-offset":      ak(func(o *OSD) any { return &o.ClockXOffset }),
	"clock-y-offset":      ak(func(o *OSD) any { return &o.ClockYOffset }),
	"clock-text-size":     ak(func(o *OSD) any { return &o.ClockTextSize }),
	"clock-color":         ak(func(o *OSD) any { return &o.ClockColor }),
	"display-text":        ak(func(o *OSD) any { return &o.DisplayText }),
	"display-bbox":        ak(func(o *OSD) any { return &o.DisplayBBox }),
	"display-mask":        ak(func(o *OSD) any { return &o.DisplayMask }),
	"hw-blend-color-attr": ak(func(o *OSD) any { return &o.HWBlendColorAttr }),
	"gpu-id":              ak(func(o *OSD) any { return &o.GPUID }),
	"nvbuf-memory-type":   ak(func(o *OSD) any { return &o.NvbufMemoryType }),
}

// msgConvKeys are the converter keys of type=6 sinks and of
// [message-converter].
var msgConvKeys = map[string]appKey[MsgConv]{
	"msg-conv-config":         akPath(func(m *MsgConv) any { return &m.MsgConvConfig }),
	"msg-conv-payload-type":   ak(func(m *MsgConv) any { return &m.MsgConvPayloadType }),
	"msg-conv-msg2p-lib":      akPath(func(m *MsgConv) any { return &m.MsgConvMsg2pLib }),
	"msg-conv-comp-id":        ak(func(m *MsgConv) any { return &m.MsgConvCompID }),
	"debug-payload-dir":       akPath(func(m *MsgConv) any { return &m.DebugPayloadDir }),
	"multiple-payloads":       ak(func(m *MsgConv) any { return &m.MultiplePayloads }),
	"msg-conv-msg2p-new-api":  ak(func(m *MsgConv) any { return &m.MsgConvMsg2pNewAPI }),
	"msg-conv-frame-interval": ak(func(m *MsgConv) any { return &m.MsgConvFrameInterval }),
}

// sinkKeys are the keys of [sinkN] groups besides msgConvKeys.
var sinkKeys = map[string]appKey[Sink]{
	"enable":               ak(func(s *Sink) any { return &s.Enable }),
	"type":                 ak(func(s *Sink) any { return (*int)(&s.Type) }),
	"sync":                 ak(func(s *Sink) any { return &s.Sync }),
	"qos":                  ak(func(s *Sink) any { return &s.QoS }),
	"width":                ak(func(s *Sink) any { return &s.Width }),
	"height":               ak(func(s *Sink) any { return &s.Height }),
	"offset-x":             ak(func(s *Sink) any { return &s.OffsetX }),
	"offset-y":             ak(func(s *Sink) any { return &s.OffsetY }),
	"display-id":           ak(func(s *Sink) any { return &s.DisplayID }),
	"overlay-id":           ak(func(s *Sink) any { return &s.OverlayID }),
	"gpu-id":               ak(func(s *Sink) any { return &s.GPUID }),
	"nvbuf-memory-type":    ak(func(s *Sink) any { return &s.NvbufMemoryType }),
	"source-id":            ak(func(s *Sink) any { return &s.SourceID }),
	"link-to-demux":        ak(func(s *Sink) any { return &s.LinkToDemux }),
	"codec":                ak(func(s *Sink) any { return &s.Codec }),
	"container":            ak(func(s *Sink) any { return &s.Container }),
	"enc-type":             ak(func(s *Sink) any { return &s.EncType }),
	"bitrate":              ak(func(s *Sink) any { return &s.Bitrate }),
	"profile":              ak(func(s *Sink) any { return &s.Profile }),
	"iframeinterval":       ak(func(s *Sink) any { return &s.IFrameInterval }),
	"output-file":          ak(func(s *Sink) any { return &s.OutputFile }),
	"copy-meta":            ak(func(s *Sink) any { return &s.CopyMeta }),
	"output-io-mode":       ak(func(s *Sink) any { return &s.OutputIOMode }),
	"sw-preset":            ak(func(s *Sink) any { return &s.SwPreset }),
	"color-range":          ak(func(s *Sink) any { return &s.ColorRange }),
	"conn-id":              ak(func(s *Sink) any { return &s.ConnID }),
	"plane-id":             ak(func(s *Sink) any { return &s.PlaneID }),
	"set-mode":             ak(func(s *Sink) any { return &s.SetMode }),
	"rtsp-port":            ak(func(s *Sink) any { return &s.RTSPPort }),
	"udp-port":             ak(func(s *Sink) any { return &s.UDPPort }),
	"udp-buffer-size":      ak(func(s *Sink) any { return &s.UDPBufferSize }),
	"msg-broker-proto-lib": ak(func(s *Sink) any { return &s.MsgBrokerProtoLib }),
	"msg-broker-conn-str":  ak(func(s *Sink) any { return &s.MsgBrokerConnStr }),
	"topic":                ak(func(s *Sink) any { return &s.Topic }),
	"msg-broker-config":    akPath(func(s *Sink) any { return &s.MsgBrokerConfig }),
	"msg-broker-comp-id":   ak(func(s *Sink) any { return &s.MsgBrokerCompID }),
	"disable-msgconv":      ak(func(s *Sink) any { return &s.DisableMsgConv }),
	"new-api":              ak(func(s *Sink) any { return &s.NewAPI }),
}

var messageConverterKeys = map[string]appKey[MessageConverter]{
	"enable": ak(func(m *MessageConverter) any { return &m.Enable }),
}

var messageConsumerKeys = map[string]appKey[MessageConsumer]{
	"enable":               ak(func(m *MessageConsumer) any { return &m.Enable }),
	"config-file":          akPath(func(m *MessageConsumer) any { return &m.ConfigFile }),
	"proto-lib":            ak(func(m *MessageConsumer) any { return &m.ProtoLib }),
	"conn-str":             ak(func(m *MessageConsumer) any { return &m.ConnStr }),
	"sensor-list-file":     akPath(func(m *MessageConsumer) any { return &m.SensorListFile }),
	"subscribe-topic-list": ak(func(m *MessageConsumer) any { return &m.SubscribeTopicList }),
}

var imgSaveKeys = map[string]appKey[ImgSave]{
	"enable":                   ak(func(i *ImgSave) any { return &i.Enable }),
	"output-folder-path":       ak(func(i *ImgSave) any { return &i.OutputFolderPath }),
	"save-img-full-frame":      ak(func(i *ImgSave) any { return &i.SaveImgFullFrame }),
	"save-img-cropped-obj":     ak(func(i *ImgSave) any { return &i.SaveImgCroppedObj }),
	"frame-to-skip-rules-path": ak(func(i *ImgSave) any { return &i.FrameToSkipRulesPath }),
	"second-to-skip-interval":  ak(func(i *ImgSave) any { return &i.SecondToSkipInterval }),
	"min-confidence":           ak(func(i *ImgSave) any { return &i.MinConfidence }),
	"max-confidence":           ak(func(i *ImgSave) any { return &i.MaxConfidence }),
	"min-box-width":            ak(func(i *ImgSave) any { return &i.MinBoxWidth }),
	"min-box-height":           ak(func(i *ImgSave) any { return &i.MinBoxHeight }),
	"gpu-id":                   ak(func(i *ImgSave) any { return &i.GPUID }),
}
