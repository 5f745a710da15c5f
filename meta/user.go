package meta

import (
	"strconv"
	"sync"
)

// MetaType identifies the kind of a UserMeta's payload, DeepStream's
// NvDsMetaType: a probe looks for the type it understands and ignores the
// rest. The predefined types cover dsgo's own payloads; elements and
// applications get more from a Registry.
type MetaType uint32

// Predefined meta types. Their numbers are fixed so that they mean the same
// in every pipeline.
const (
	// MetaTypeInvalid is the zero MetaType, carried by no valid meta.
	MetaTypeInvalid MetaType = 0
	// MetaTypeTensorOutput marks a *TensorOutputMeta: a model's raw output
	// tensors (nvinfer's output-tensor-meta), DeepStream's
	// NVDSINFER_TENSOR_OUTPUT_META.
	MetaTypeTensorOutput MetaType = 1
	// MetaTypeSegmentation marks a *SegmentationMeta: a semantic
	// segmentation class map, DeepStream's NVDSINFER_SEGMENTATION_META.
	MetaTypeSegmentation MetaType = 2
	// MetaTypeEventMsg marks an *EventMsgMeta for msgconv, DeepStream's
	// NVDS_EVENT_MSG_META.
	MetaTypeEventMsg MetaType = 3
	// FirstUserMetaType is the first type a Registry hands out, like
	// DeepStream's NVDS_START_USER_META; lower numbers are reserved for
	// predefined types.
	FirstUserMetaType MetaType = 4096
)

// predefined names, indexed by MetaType.
var predefinedNames = [...]string{
	MetaTypeInvalid:      "",
	MetaTypeTensorOutput: "NVDSINFER_TENSOR_OUTPUT_META",
	MetaTypeSegmentation: "NVDSINFER_SEGMENTATION_META",
	MetaTypeEventMsg:     "NVDS_EVENT_MSG_META",
}

// String returns the predefined type's DeepStream name, or "MetaType(n)";
// a Registry knows the names of the types it handed out.
func (t MetaType) String() string {
	if t != MetaTypeInvalid && int(t) < len(predefinedNames) {
		return predefinedNames[t]
	}
	return "MetaType(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// Registry hands out MetaTypes for names, like DeepStream's
// nvds_get_user_meta_type, so that independent elements agree on the type
// of a payload by agreeing on its name ("NVIDIA.NVINFER.USER_META"). Keep
// one per pipeline (or per program); there is no global registry. The zero
// value knows the predefined types and is ready to use; a Registry is safe
// for concurrent use.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]MetaType
	names  []string // names[i] is the name of FirstUserMetaType+i
}

// NewRegistry returns a registry that knows only the predefined types.
func NewRegistry() *Registry { return &Registry{} }

// RegisterMetaType returns the type for name, making a new one the first
// time name is seen; registering the same name again returns the same type.
// The predefined names return the predefined types.
func (r *Registry) RegisterMetaType(name string) (MetaType, error) {
	if r == nil {
		return MetaTypeInvalid, ErrNilMeta
	}
	if name == "" {
		return MetaTypeInvalid, ErrEmptyName
	}
	if t, ok := r.Lookup(name); ok {
		return t, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.byName[name]; ok { // registered while we waited
		return t, nil
	}
	if r.byName == nil {
		r.byName = make(map[string]MetaType)
	}
	t := FirstUserMetaType + MetaType(len(r.names))
	r.byName[name] = t
	r.names = append(r.names, name)
	return t, nil
}

// Lookup returns the type registered for name, if any.
func (r *Registry) Lookup(name string) (MetaType, bool) {
	if name == "" {
		return MetaTypeInvalid, false
	}
	for t, n := range predefinedNames {
		if n == name {
			return MetaType(t), true
		}
	}
	if r == nil {
		return MetaTypeInvalid, false
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	t, ok := r.byName[name]
	return t, ok
}

// Name returns the name t was registered under (or its predefined name),
// or "" when t is unknown.
func (r *Registry) Name(t MetaType) string {
	if t < FirstUserMetaType {
		if int(t) < len(predefinedNames) {
			return predefinedNames[t]
		}
		return ""
	}
	if r == nil {
		return ""
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if i := int(t - FirstUserMetaType); i < len(r.names) {
		return r.names[i]
	}
	return ""
}

// UserMeta carries any Go value through the pipeline, attached to a batch,
// frame or object, DeepStream's NvDsUserMeta. Acquire one with
// BatchMeta.AcquireUserMeta, set Type and Data (and the funcs, if Data needs
// them), then attach it.
//
// When its batch is copied, a user meta's Data is copied by CopyFunc if
// set, else by Data's CopyData method if it is a DataCopier (every payload
// type of this package is), else shared between original and copy. A meta
// whose Data would be shared but has a ReleaseFunc is left out of the copy,
// because two releases of one value would be wrong.
type UserMeta struct {
	// Type says what Data is.
	Type MetaType
	// Data is the payload, usually a pointer.
	Data any
	// CopyFunc, if set, returns a deep copy of data for a copy of the
	// batch; DeepStream's copy_func.
	CopyFunc func(data any) any
	// ReleaseFunc, if set, is called exactly once with Data when the meta
	// is removed or its batch released, e.g. to return Data to the
	// producer's own pool; DeepStream's release_func.
	ReleaseFunc func(data any)

	link
}

// DataCopier is implemented by payloads that can deep-copy themselves, so
// that user metas carrying them need no CopyFunc.
type DataCopier interface {
	// CopyData returns a deep copy of the receiver.
	CopyData() any
}

// copyFrom makes u, acquired from the copy's batch, a copy of src. It
// reports false, changing nothing, when src must not be copied.
func (u *UserMeta) copyFrom(src *UserMeta) bool {
	data := src.Data
	switch {
	case src.CopyFunc != nil:
		data = src.CopyFunc(src.Data)
	case data != nil:
		if c, ok := data.(DataCopier); ok {
			data = c.CopyData()
		} else if src.ReleaseFunc != nil {
			return false
		}
	}
	u.Type, u.Data, u.CopyFunc, u.ReleaseFunc = src.Type, data, src.CopyFunc, src.ReleaseFunc
	return true
}

// UserMetaData returns um's Data as a T. It reports false when um is nil or
// its Data is not a T.
func UserMetaData[T any](um *UserMeta) (T, bool) {
	if um == nil {
		var zero T
		return zero, false
	}
	v, ok := um.Data.(T)
	return v, ok
}

// FindUserMeta returns the Data of the first meta in metas whose Type is t
// and whose Data is a T, e.g.
//
//	tensor, ok := meta.FindUserMeta[*meta.TensorOutputMeta](obj.UserMetas, meta.MetaTypeTensorOutput)
func FindUserMeta[T any](metas []*UserMeta, t MetaType) (T, bool) {
	for _, um := range metas {
		if um != nil && um.Type == t {
			if v, ok := um.Data.(T); ok {
				return v, true
			}
		}
	}
	var zero T
	return zero, false
}

// ForEachUserMeta calls fn with the Data of each meta in metas whose Type is
// t and whose Data is a T, in order, until fn returns false. Use it where
// several components attach the same type (one tensor output per model).
func ForEachUserMeta[T any](metas []*UserMeta, t MetaType, fn func(T) bool) {
	if fn == nil {
		return
	}
	for _, um := range metas {
		if um != nil && um.Type == t {
			if v, ok := um.Data.(T); ok && !fn(v) {
				return
			}
		}
	}
}
