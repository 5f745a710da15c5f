package meta

import (
	"encoding/binary"
	"math"
	"testing"
	"unsafe"
)

func TestTensorOutputCopyIsDeep(t *testing.T) {
	orig := &TensorOutputMeta{
		UniqueID: 1, GPUID: 0, NetworkInfo: NetworkInfo{Width: 640, Height: 368, Channels: 3},
		OutputLayers: []LayerInfo{
			{Name: "cov", Dims: []int{4, 23, 40}, DataType: DataTypeFloat, Buffer: make([]byte, 16), DevPtr: 0xdead},
			{Name: "bbox", Dims: []int{16, 23, 40}, DataType: DataTypeFloat},
		},
	}
	c, ok := orig.CopyData().(*TensorOutputMeta)
	if !ok || c == orig {
		t.Fatal("CopyData did not return a new *TensorOutputMeta")
	}
	c.OutputLayers[0].Dims[0] = 9
	c.OutputLayers[0].Buffer[0] = 1
	c.OutputLayers[1].Name = "x"
	if orig.OutputLayers[0].Dims[0] != 4 || orig.OutputLayers[0].Buffer[0] != 0 || orig.OutputLayers[1].Name != "bbox" {
		t.Error("changing the copy changed the original")
	}
	if c.OutputLayers[0].DevPtr != 0xdead || c.NetworkInfo != orig.NetworkInfo || c.NumOutputLayers() != 2 {
		t.Error("copy lost values")
	}
	if c.Layer("bbox") != nil || c.Layer("x") != &c.OutputLayers[1] || orig.Layer("bbox") == nil {
		t.Error("Layer lookup wrong")
	}
	if (*TensorOutputMeta)(nil).Copy() != nil || (*TensorOutputMeta)(nil).NumOutputLayers() != 0 {
		t.Error("nil tensor meta")
	}
}

func TestLayerInfoViews(t *testing.T) {
	buf := make([]byte, 12)
	for i, v := range []float32{1.5, -2, 3} {
		binary.NativeEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	l := LayerInfo{Name: "out", Dims: []int{3}, DataType: DataTypeFloat, Buffer: buf}
	f, err := l.Float32s()
	mustOK(t, err)
	if len(f) != 3 || f[0] != 1.5 || f[1] != -2 || f[2] != 3 || l.NumElements() != 3 {
		t.Fatalf("Float32s = %v", f)
	}
	f[1] = 7 // a view, not a copy
	if math.Float32frombits(binary.NativeEndian.Uint32(buf[4:])) != 7 {
		t.Error("Float32s returned a copy")
	}
	if _, err := l.Int32s(); err == nil {
		t.Error("Int32s of a FLOAT layer succeeded")
	}
	raw := make([]byte, 16)
	off := 0
	for uintptr(unsafe.Pointer(&raw[off]))%4 == 0 {
		off++
	}
	bad := []LayerInfo{
		{Name: "odd", DataType: DataTypeFloat, Buffer: make([]byte, 6)},
		{Name: "misaligned", DataType: DataTypeFloat, Buffer: raw[off : off+8]},
		{Name: "half", DataType: DataTypeHalf, Buffer: make([]byte, 8)},
	}
	for _, l := range bad {
		if _, err := l.Float32s(); err == nil {
			t.Errorf("Float32s of %s layer succeeded", l.Name)
		}
	}
	i := LayerInfo{DataType: DataTypeInt32, Buffer: make([]byte, 8)}
	if v, err := i.Int32s(); err != nil || len(v) != 2 {
		t.Errorf("Int32s = %v, %v", v, err)
	}
	var nilLayer *LayerInfo
	if _, err := nilLayer.Float32s(); err == nil {
		t.Error("nil layer Float32s succeeded")
	}
	if v, err := (&LayerInfo{DataType: DataTypeFloat}).Float32s(); err != nil || v != nil {
		t.Errorf("empty layer Float32s = %v, %v", v, err)
	}
}

func TestDataTypeSizesAndNames(t *testing.T) {
	tests := []struct {
		t    DataType
		size int
		name string
	}{
		{DataTypeFloat, 4, "FLOAT"}, {DataTypeHalf, 2, "HALF"}, {DataTypeInt8, 1, "INT8"},
		{DataTypeInt32, 4, "INT32"}, {DataType(9), 0, "DataType(9)"},
	}
	for _, tt := range tests {
		if tt.t.Size() != tt.size || tt.t.String() != tt.name {
			t.Errorf("%d: Size = %d, String = %q; want %d, %q", tt.t, tt.t.Size(), tt.t.String(), tt.size, tt.name)
		}
	}
}

func TestSegmentationCopyIsDeep(t *testing.T) {
	orig := &SegmentationMeta{UniqueID: 1, Classes: 2, Width: 2, Height: 1, ClassMap: []int32{0, 1}, ClassProbabilities: []float32{.1, .9, .9, .1}}
	c := orig.Copy()
	c.ClassMap[0], c.ClassProbabilities[0] = 5, 5
	if orig.ClassMap[0] != 0 || orig.ClassProbabilities[0] != .1 || c.Width != 2 {
		t.Error("segmentation copy not deep")
	}
}

func TestEventMsgCopyIsDeep(t *testing.T) {
	orig := &EventMsgMeta{
		Type: EventEntry, ObjType: ObjectVehicle, BBox: BBoxCoords{1, 2, 3, 4},
		ObjSignature: []float64{0.1, 0.2}, TrackingID: 12, TimeStamp: "2020-01-01T00:00:00.000Z",
		MaskPolygons: [][]Point{{{1, 1}, {2, 1}, {2, 2}}},
		ExtMsg:       &VehicleObject{Type: "sedan", Color: "blue", License: "XYZ"},
	}
	c, ok := orig.CopyData().(*EventMsgMeta)
	if !ok || c == orig {
		t.Fatal("CopyData did not return a new *EventMsgMeta")
	}
	v, ok := c.Vehicle()
	if !ok || v.License != "XYZ" {
		t.Fatalf("copied Vehicle = %v, %v", v, ok)
	}
	v.Color = "red"
	c.ObjSignature[0] = 9
	c.MaskPolygons[0][0].X = 9
	ov, _ := orig.Vehicle()
	if ov.Color != "blue" || orig.ObjSignature[0] != 0.1 || orig.MaskPolygons[0][0].X != 1 {
		t.Error("changing the copy changed the original")
	}
	if _, ok := c.Person(); ok {
		t.Error("vehicle event has a person")
	}
	p := (&EventMsgMeta{ObjType: ObjectPerson, ExtMsg: &PersonObject{Age: 30}}).Copy()
	if pp, ok := p.Person(); !ok || pp.Age != 30 {
		t.Error("person ExtMsg lost in copy")
	}
	if (*EventMsgMeta)(nil).Copy() != nil {
		t.Error("nil event copy not nil")
	}
}

func TestEnumNames(t *testing.T) {
	tests := []struct{ got, want string }{
		{EventEntry.String(), "entry"}, {EventExit.String(), "exit"}, {EventMoving.String(), "moving"},
		{EventStopped.String(), "stopped"}, {EventEmpty.String(), "empty"}, {EventParked.String(), "parked"},
		{EventReset.String(), "reset"}, {EventReserved.String(), "reserved"}, {EventCustom.String(), "custom"},
		{EventType(42).String(), "EventType(42)"},
		{ObjectVehicle.String(), "vehicle"}, {ObjectPerson.String(), "person"}, {ObjectFace.String(), "face"},
		{ObjectBag.String(), "bag"}, {ObjectBicycle.String(), "bicycle"}, {ObjectRoadSign.String(), "roadsign"},
		{ObjectCustom.String(), "custom"}, {ObjectUnknown.String(), "unknown"}, {ObjectType(-1).String(), "ObjectType(-1)"},
		{ArrowHeadStart.String(), "start"}, {ArrowHeadEnd.String(), "end"}, {ArrowHeadBoth.String(), "both"},
		{ArrowHead(7).String(), "ArrowHead(7)"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
	if EventCustom != 0x101 || ObjectUnknown != 0x102 {
		t.Error("enum numbers differ from DeepStream's")
	}
}
