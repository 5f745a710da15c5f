package configs

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// trackerLibs are the low-level tracker libraries (ll-lib-file base
// names) dsgo accepts, each standing for its own tracker of that kind.
var trackerLibs = []string{
	"libnvds_nvmultiobjecttracker.so", // DeepStream 6+: IOU, NvSORT, NvDCF, NvDeepSORT by ll-config-file
	"libnvds_mot_iou.so",              // DeepStream 4/5 IOU tracker
	"libnvds_mot_klt.so",              // DeepStream 4/5 KLT tracker
	"libnvds_nvdcf.so",                // DeepStream 4/5 NvDCF tracker
}

// brokerProtoLibs are the message broker adapter libraries
// (msg-broker-proto-lib and proto-lib base names) dsgo accepts, each
// standing for its own adapter.
var brokerProtoLibs = []string{
	"libnvds_kafka_proto.so",
	"libnvds_mqtt_proto.so",
	"libnvds_amqp_proto.so",
	"libnvds_azure_proto.so",
	"libnvds_azure_edge_proto.so",
	"libnvds_redis_proto.so",
}

// Inputs returns the streams deepstream-app opens, in its order: the
// enabled sources in file order (or the [source-list] entries), a type=3
// source's first copy in its place and its other num-sources-1 copies
// after all the others, each copy as a type=2 source whose URI has "%d"
// replaced by the copy's number. A stream's position in the slice is the
// id deepstream-app gives it (its streammux pad and the source id in
// metadata).
func (a *App) Inputs() []Source {
	var in, extra []Source
	for _, s := range a.Sources {
		if !s.Enable {
			continue
		}
		if s.Type != SourceMultiURI {
			in = append(in, s)
			continue
		}
		pattern := s.URI
		for j := range max(s.NumSources, 1) {
			c := s
			c.Type, c.URI = SourceURI, strings.ReplaceAll(pattern, "%d", strconv.Itoa(j))
			if j == 0 {
				in = append(in, c)
			} else {
				extra = append(extra, c)
			}
		}
	}
	return append(in, extra...)
}

// ValidateFiles checks the files the configuration refers to: file://
// URIs exist, each enabled nvinfer GIE's config-file parses (LoadInfer,
// its errors with its own file:line) and its model and label files
// exist, the tracker library is one dsgo provides and its config exists,
// the message broker adapters are ones dsgo provides and the converter
// and broker configs exist. Directories deepstream-app writes into
// (smart-rec-dir-path, gie-kitti-output-dir, ...) must exist; those it
// opens relative to the current directory are checked there. The
// warnings are those of the referenced configs. Call it on an App that
// passed ValidateSyntax (LoadApp and ParseApp run it).
func (a *App) ValidateFiles() ([]Warning, error) {
	c := &fileChecker{}
	for _, s := range a.Inputs() {
		if rest, ok := strings.CutPrefix(s.URI, "file://"); ok {
			if p, err := url.PathUnescape(rest); err == nil {
				rest = p
			}
			c.exists(&s.Group, "uri", rest, false)
		}
		if s.SmartRecord != 0 && s.Type == SourceRTSP && s.SmartRecDirPath != "" {
			c.exists(&s.Group, "smart-rec-dir-path", s.SmartRecDirPath, true)
		}
	}
	app := &a.Application
	for _, key := range []string{"gie-kitti-output-dir", "kitti-track-output-dir", "reid-track-output-dir",
		"terminated-track-output-dir", "shadow-track-output-dir"} {
		if dir := *applicationKeys[key].get(app).(*string); dir != "" {
			c.exists(&app.Group, key, dir, true)
		}
	}
	c.configFile(&a.Streammux.Group, a.Streammux.ConfigFile)
	if p := a.PreProcess; p != nil && p.Enable {
		c.configFile(&p.Group, p.ConfigFile)
	}
	for _, p := range a.SecondaryPreProcesses {
		if p.Enable {
			c.configFile(&p.Group, p.ConfigFile)
		}
	}
	if g := a.PrimaryGIE; g != nil && g.Enable {
		c.gie(g)
	}
	for i := range a.SecondaryGIEs {
		if g := &a.SecondaryGIEs[i]; g.Enable {
			c.gie(g)
		}
	}
	if t := &a.Tracker; t.Enable {
		c.library(&t.Group, "ll-lib-file", t.LLLibFile, trackerLibs)
		if t.LLConfigFile != "" {
			c.exists(&t.Group, "ll-config-file", t.LLConfigFile, false)
		}
	}
	if a.Analytics.Enable {
		c.configFile(&a.Analytics.Group, a.Analytics.ConfigFile)
	}
	if a.Dewarper.Enable {
		c.configFile(&a.Dewarper.Group, a.Dewarper.ConfigFile)
	}
	c.brokers(a)
	if im := &a.ImgSave; im.Enable && im.OutputFolderPath != "" {
		c.exists(&im.Group, "output-folder-path", im.OutputFolderPath, true)
	}
	sortErrors(c.errs)
	return c.warns, c.errs.err()
}

// fileChecker collects the problems ValidateFiles finds.
type fileChecker struct {
	errs  ErrorList
	warns []Warning
}

// exists reports key of grp when path does not exist or is not a file
// (or, with dir, a directory).
func (c *fileChecker) exists(grp *Group, key, path string, dir bool) bool {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		what := "file"
		if dir {
			what = "directory"
		}
		c.errs = append(c.errs, grp.Err(key, fmt.Sprintf("%s not found: %s", what, path)))
	case err != nil:
		c.errs = append(c.errs, grp.Err(key, err.Error()))
	case dir && !fi.IsDir():
		c.errs = append(c.errs, grp.Err(key, path+" is not a directory"))
	case !dir && fi.IsDir():
		c.errs = append(c.errs, grp.Err(key, path+" is a directory, not a file"))
	default:
		return true
	}
	return false
}

// configFile checks a config-file key, when set.
func (c *fileChecker) configFile(grp *Group, path string) {
	if path != "" {
		c.exists(grp, "config-file", path, false)
	}
}

// library checks that a DeepStream library's base name is one dsgo
// provides; the file itself need not exist.
func (c *fileChecker) library(grp *Group, key, path string, known []string) {
	if path == "" {
		return
	}
	if !slices.Contains(known, filepath.Base(path)) {
		c.errs = append(c.errs, grp.Err(key, fmt.Sprintf("library %s is not one dsgo provides: use one of %s",
			filepath.Base(path), strings.Join(known, ", "))))
	}
}

// gie checks an enabled GIE's config-file and, for nvinfer, the files
// that config names.
func (c *fileChecker) gie(g *GIE) {
	if g.ConfigFile == "" || !c.exists(&g.Group, "config-file", g.ConfigFile, false) {
		return
	}
	if g.LabelfilePath != "" {
		c.exists(&g.Group, "labelfile-path", g.LabelfilePath, false)
	}
	if g.PluginType != PluginNvinfer {
		c.warns = append(c.warns, Warning{File: g.File, Line: g.KeyLine("config-file"), Key: "config-file",
			Msg: "nvinferserver configuration not checked"})
		return
	}
	ic, warns, err := LoadInfer(g.ConfigFile)
	c.warns = append(c.warns, warns...)
	if err != nil {
		var list ErrorList
		if !errors.As(err, &list) {
			c.errs = append(c.errs, g.Err("config-file", err.Error()))
			return
		}
		n := len(c.errs)
		for _, e := range list {
			// The GIE group's model-engine-file stands in for the model.
			if g.ModelEngineFile != "" && e.Key == "" && strings.HasPrefix(e.Msg, "no model") {
				continue
			}
			c.errs = append(c.errs, e)
		}
		if len(c.errs) == n && g.ModelEngineFile != "" {
			if _, err := os.Stat(g.ModelEngineFile); err != nil {
				c.errs = append(c.errs, g.Err("model-engine-file", "engine not found and "+g.ConfigFile+" has no onnx-file to build it from: "+g.ModelEngineFile))
			}
		}
		return
	}
	inferFile := func(key, path string) {
		if _, err := os.Stat(path); err != nil {
			c.errs = append(c.errs, &Error{File: ic.File, Line: ic.Line(key), Key: key, Value: ic.pos[key].value,
				Msg: "file not found: " + path})
		}
	}
	if ic.ONNXFile != "" {
		inferFile("onnx-file", ic.ONNXFile)
	}
	if ic.LabelfilePath != "" {
		inferFile("labelfile-path", ic.LabelfilePath)
	}
	engine, engineGrp := g.ModelEngineFile, true
	if engine == "" {
		engine, engineGrp = ic.ModelEngineFile, false
	}
	if engine == "" || ic.ONNXFile != "" {
		return // an engine missing is built from the ONNX model
	}
	if _, err := os.Stat(engine); err != nil {
		if engineGrp {
			c.errs = append(c.errs, g.Err("model-engine-file", "engine not found and "+ic.File+" has no onnx-file to build it from: "+engine))
		} else {
			inferFile("model-engine-file", engine)
		}
	}
}

// brokers checks message converter, broker and consumer settings.
func (c *fileChecker) brokers(a *App) {
	conv := func(grp *Group, m *MsgConv) {
		if m.MsgConvConfig != "" {
			c.exists(grp, "msg-conv-config", m.MsgConvConfig, false)
		}
		if m.MsgConvMsg2pLib != "" {
			c.warns = append(c.warns, Warning{File: grp.File, Line: grp.KeyLine("msg-conv-msg2p-lib"), Key: "msg-conv-msg2p-lib",
				Msg: "custom payload libraries are C code dsgo cannot load; payloads are built by dsgo's converter"})
		}
	}
	for i := range a.Sinks {
		s := &a.Sinks[i]
		if !s.Enable || s.Type != SinkMsgBroker {
			continue
		}
		conv(&s.Group, &s.MsgConv)
		c.library(&s.Group, "msg-broker-proto-lib", s.MsgBrokerProtoLib, brokerProtoLibs)
		if s.MsgBrokerConfig != "" {
			c.exists(&s.Group, "msg-broker-config", s.MsgBrokerConfig, false)
		}
	}
	if mc := a.MessageConverter; mc != nil && mc.Enable {
		conv(&mc.Group, &mc.MsgConv)
	}
	for i := range a.MessageConsumers {
		m := &a.MessageConsumers[i]
		if !m.Enable {
			continue
		}
		c.library(&m.Group, "proto-lib", m.ProtoLib, brokerProtoLibs)
		if m.ConfigFile != "" {
			c.exists(&m.Group, "config-file", m.ConfigFile, false)
		}
		if m.SensorListFile != "" {
			c.exists(&m.Group, "sensor-list-file", m.SensorListFile, false)
		}
	}
	sort.SliceStable(c.warns, func(i, j int) bool { return c.warns[i].Line < c.warns[j].Line })
}
