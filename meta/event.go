package meta

import (
	"slices"
	"strconv"
)

// EventType is what happened to an object, DeepStream's NvDsEventType. The
// numbers match DeepStream's so that they survive a trip through a broker.
type EventType int

const (
	// EventEntry: the object entered an area.
	EventEntry EventType = iota
	// EventExit: the object left an area.
	EventExit
	// EventMoving: the object is moving.
	EventMoving
	// EventStopped: the object stopped.
	EventStopped
	// EventEmpty: an area became empty.
	EventEmpty
	// EventParked: a vehicle parked.
	EventParked
	// EventReset: the sensor or analytics state was reset.
	EventReset
	// EventReserved starts the range reserved for future events.
	EventReserved EventType = 0x100
	// EventCustom is an application-defined event.
	EventCustom EventType = 0x101
)

// String returns the event's name as msgconv writes it, e.g. "entry".
func (t EventType) String() string {
	switch t {
	case EventEntry:
		return "entry"
	case EventExit:
		return "exit"
	case EventMoving:
		return "moving"
	case EventStopped:
		return "stopped"
	case EventEmpty:
		return "empty"
	case EventParked:
		return "parked"
	case EventReset:
		return "reset"
	case EventReserved:
		return "reserved"
	case EventCustom:
		return "custom"
	}
	return "EventType(" + strconv.Itoa(int(t)) + ")"
}

// ObjectType is the kind of object an event is about, DeepStream's
// NvDsObjectType; it says which type ExtMsg holds. The numbers match
// DeepStream's.
type ObjectType int

const (
	// ObjectVehicle: ExtMsg is a *VehicleObject.
	ObjectVehicle ObjectType = iota
	// ObjectPerson: ExtMsg is a *PersonObject.
	ObjectPerson
	// ObjectFace is a face.
	ObjectFace
	// ObjectBag is a bag.
	ObjectBag
	// ObjectBicycle is a bicycle.
	ObjectBicycle
	// ObjectRoadSign is a road sign.
	ObjectRoadSign
	// ObjectCustom is an application-defined object.
	ObjectCustom ObjectType = 0x101
	// ObjectUnknown is an object of unknown kind.
	ObjectUnknown ObjectType = 0x102
)

// String returns the object type's name as msgconv writes it, e.g.
// "vehicle".
func (t ObjectType) String() string {
	switch t {
	case ObjectVehicle:
		return "vehicle"
	case ObjectPerson:
		return "person"
	case ObjectFace:
		return "face"
	case ObjectBag:
		return "bag"
	case ObjectBicycle:
		return "bicycle"
	case ObjectRoadSign:
		return "roadsign"
	case ObjectCustom:
		return "custom"
	case ObjectUnknown:
		return "unknown"
	}
	return "ObjectType(" + strconv.Itoa(int(t)) + ")"
}

// GeoLocation is a place on Earth, DeepStream's NvDsGeoLocation.
type GeoLocation struct {
	Lat, Lon, Alt float64 // degrees, degrees, metres
}

// Coordinate is a point in the sensor's (or site's) own frame of
// reference, DeepStream's NvDsCoordinate.
type Coordinate struct {
	X, Y, Z float64 // metres, in the site's axes
}

// Point is a point in pixels, a vertex of a mask polygon.
type Point struct {
	X, Y float32 // pixels from the frame's top-left corner
}

// VehicleObject describes a vehicle, the ExtMsg of an ObjectVehicle event,
// DeepStream's NvDsVehicleObject.
type VehicleObject struct {
	Type    string // e.g. "sedan"
	Make    string // e.g. "Bugatti"
	Model   string // e.g. "M"
	Color   string // e.g. "blue"
	Region  string // licence plate's region, e.g. "CA"
	License string // licence plate's text
}

// PersonObject describes a person, the ExtMsg of an ObjectPerson event,
// DeepStream's NvDsPersonObject.
type PersonObject struct {
	Gender  string // e.g. "female"
	Hair    string // hair colour or style, e.g. "black"
	Cap     string // headwear, e.g. "none"
	Apparel string // clothing, e.g. "formal"
	Age     int    // estimated age in years
}

// EventMsgMeta is an event for msgconv to turn into a message (DeepStream's
// NvDsEventMsgMeta), attached to a frame as a user meta of type
// MetaTypeEventMsg. It is a plain value owned by whoever made it: a producer
// that makes many can recycle them through the user meta's ReleaseFunc.
type EventMsgMeta struct {
	// Type is what happened.
	Type EventType
	// ObjType is what it happened to; it says what ExtMsg holds.
	ObjType ObjectType
	// BBox is the object's box in pipeline coordinates.
	BBox BBoxCoords
	// Location is where the sensor (or object) is on Earth.
	Location GeoLocation
	// Coordinate is the object's position in the site's frame of reference.
	Coordinate Coordinate
	// ObjSignature is the object's appearance embedding, for re-identification.
	ObjSignature []float64
	// ObjClassID is the detector's class index.
	ObjClassID int
	// SensorID indexes the sensor table of msgconv's configuration.
	SensorID int
	// ModuleID identifies the analytics module that made the event.
	ModuleID int
	// PlaceID indexes the place table of msgconv's configuration.
	PlaceID int
	// ComponentID is the gie-unique-id of the component that found the object.
	ComponentID int
	// FrameID is the frame number the event was seen in.
	FrameID int
	// Confidence is the detection's confidence.
	Confidence float64
	// TrackingID is the tracker's object id.
	TrackingID uint64
	// TimeStamp is when the event happened, RFC 3339 with milliseconds
	// ("2006-01-02T15:04:05.000Z").
	TimeStamp string
	// ObjectID identifies the object in messages.
	ObjectID string
	// SensorStr identifies the sensor by name, overriding SensorID's.
	SensorStr string
	// OtherAttrs holds extra attributes as free text.
	OtherAttrs string
	// VideoPath is the URL or path of a recorded clip of the event.
	VideoPath string
	// MaskPolygons are the outlines of the object's instance mask, one
	// polygon per connected region, in pixels.
	MaskPolygons [][]Point
	// ExtMsg is the object's description: *VehicleObject, *PersonObject,
	// or an application's own type for ObjectCustom.
	ExtMsg any
}

// Vehicle returns ExtMsg as a *VehicleObject, if it is one.
func (e *EventMsgMeta) Vehicle() (*VehicleObject, bool) {
	if e == nil {
		return nil, false
	}
	v, ok := e.ExtMsg.(*VehicleObject)
	return v, ok && v != nil
}

// Person returns ExtMsg as a *PersonObject, if it is one.
func (e *EventMsgMeta) Person() (*PersonObject, bool) {
	if e == nil {
		return nil, false
	}
	p, ok := e.ExtMsg.(*PersonObject)
	return p, ok && p != nil
}

// Copy returns a deep copy. ExtMsg is copied when it is a *VehicleObject, a
// *PersonObject or a DataCopier, and shared otherwise.
func (e *EventMsgMeta) Copy() *EventMsgMeta {
	if e == nil {
		return nil
	}
	c := *e
	c.ObjSignature = slices.Clone(e.ObjSignature)
	if e.MaskPolygons != nil {
		c.MaskPolygons = make([][]Point, len(e.MaskPolygons))
		for i, p := range e.MaskPolygons {
			c.MaskPolygons[i] = slices.Clone(p)
		}
	}
	switch x := e.ExtMsg.(type) {
	case *VehicleObject:
		if x != nil {
			v := *x
			c.ExtMsg = &v
		}
	case *PersonObject:
		if x != nil {
			p := *x
			c.ExtMsg = &p
		}
	case DataCopier:
		c.ExtMsg = x.CopyData()
	}
	return &c
}

// CopyData implements DataCopier with Copy.
func (e *EventMsgMeta) CopyData() any { return e.Copy() }
