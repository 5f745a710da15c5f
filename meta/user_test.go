package meta

import (
	"errors"
	"sync"
	"testing"
)

func TestRegistryGivesStableDistinctTypes(t *testing.T) {
	var r Registry // the zero value is ready to use
	a, err := r.RegisterMetaType("ACME.TRACKER.PAST_FRAME")
	mustOK(t, err)
	b, err := r.RegisterMetaType("ACME.ANALYTICS.ROI")
	mustOK(t, err)
	a2, err := r.RegisterMetaType("ACME.TRACKER.PAST_FRAME")
	mustOK(t, err)
	if a != a2 {
		t.Errorf("same name gave %v then %v", a, a2)
	}
	if a == b || a < FirstUserMetaType || b < FirstUserMetaType {
		t.Errorf("types %d, %d: want distinct and >= FirstUserMetaType", a, b)
	}
	if r.Name(b) != "ACME.ANALYTICS.ROI" || r.Name(b+1) != "" {
		t.Errorf("Name(%d) = %q, Name(%d) = %q", b, r.Name(b), b+1, r.Name(b+1))
	}
	if got, ok := r.Lookup("ACME.ANALYTICS.ROI"); !ok || got != b {
		t.Errorf("Lookup = %v, %v", got, ok)
	}
	if _, ok := r.Lookup("nope"); ok {
		t.Error("Lookup of unregistered name succeeded")
	}
	// Registries are independent values: no global state.
	other := NewRegistry()
	c, err := other.RegisterMetaType("ACME.ANALYTICS.ROI")
	mustOK(t, err)
	if c != FirstUserMetaType {
		t.Errorf("fresh registry's first type = %d, want %d", c, FirstUserMetaType)
	}
}

func TestRegistryPredefinedTypes(t *testing.T) {
	r := NewRegistry()
	tests := []struct {
		name string
		t    MetaType
	}{
		{"NVDSINFER_TENSOR_OUTPUT_META", MetaTypeTensorOutput},
		{"NVDSINFER_SEGMENTATION_META", MetaTypeSegmentation},
		{"NVDS_EVENT_MSG_META", MetaTypeEventMsg},
	}
	for _, tt := range tests {
		got, err := r.RegisterMetaType(tt.name)
		if err != nil || got != tt.t {
			t.Errorf("RegisterMetaType(%q) = %v, %v; want %v", tt.name, got, err, tt.t)
		}
		if tt.t.String() != tt.name || r.Name(tt.t) != tt.name {
			t.Errorf("%d: String = %q, Name = %q; want %q", tt.t, tt.t.String(), r.Name(tt.t), tt.name)
		}
	}
	if MetaType(5000).String() != "MetaType(5000)" || MetaTypeInvalid.String() != "MetaType(0)" {
		t.Errorf("String of unknown types = %q, %q", MetaType(5000).String(), MetaTypeInvalid.String())
	}
}

func TestRegistryRejectsBadInput(t *testing.T) {
	if _, err := NewRegistry().RegisterMetaType(""); !errors.Is(err, ErrEmptyName) {
		t.Errorf("empty name error = %v", err)
	}
	var r *Registry
	if _, err := r.RegisterMetaType("x"); !errors.Is(err, ErrNilMeta) {
		t.Errorf("nil registry error = %v", err)
	}
	if r.Name(FirstUserMetaType) != "" {
		t.Error("nil registry knows a name")
	}
}

func TestRegistryConcurrentRegistration(t *testing.T) {
	r := NewRegistry()
	names := []string{"a", "b", "c", "d"}
	got := make([][]MetaType, 8)
	var wg sync.WaitGroup
	for g := range got {
		wg.Go(func() {
			for _, n := range names {
				mt, err := r.RegisterMetaType(n)
				if err != nil {
					t.Error(err)
				}
				got[g] = append(got[g], mt)
			}
		})
	}
	wg.Wait()
	for g := range got {
		for i := range names {
			if got[g][i] != got[0][i] {
				t.Fatalf("goroutine %d got %v for %q, goroutine 0 got %v", g, got[g][i], names[i], got[0][i])
			}
		}
	}
}

func TestTypedAccessors(t *testing.T) {
	b, err := NewBatchMeta(1)
	mustOK(t, err)
	tensor := &TensorOutputMeta{UniqueID: 1}
	seg1, seg2 := &SegmentationMeta{UniqueID: 2}, &SegmentationMeta{UniqueID: 3}
	mk := func(mt MetaType, data any) *UserMeta {
		u := b.AcquireUserMeta()
		u.Type, u.Data = mt, data
		return u
	}
	metas := []*UserMeta{
		nil,
		mk(MetaTypeSegmentation, "wrong payload type"),
		mk(MetaTypeTensorOutput, tensor),
		mk(MetaTypeSegmentation, seg1),
		mk(MetaTypeSegmentation, seg2),
	}
	if got, ok := FindUserMeta[*TensorOutputMeta](metas, MetaTypeTensorOutput); !ok || got != tensor {
		t.Errorf("FindUserMeta tensor = %v, %v", got, ok)
	}
	if got, ok := FindUserMeta[*SegmentationMeta](metas, MetaTypeSegmentation); !ok || got != seg1 {
		t.Errorf("FindUserMeta seg skipped the wrong-typed payload badly: %v, %v", got, ok)
	}
	if _, ok := FindUserMeta[*EventMsgMeta](metas, MetaTypeEventMsg); ok {
		t.Error("FindUserMeta found an absent type")
	}
	if _, ok := FindUserMeta[*SegmentationMeta](metas, MetaTypeTensorOutput); ok {
		t.Error("FindUserMeta returned a payload of the wrong Go type")
	}
	if got, ok := UserMetaData[*TensorOutputMeta](metas[2]); !ok || got != tensor {
		t.Errorf("UserMetaData = %v, %v", got, ok)
	}
	if _, ok := UserMetaData[*TensorOutputMeta](metas[3]); ok {
		t.Error("UserMetaData accepted the wrong type")
	}
	if _, ok := UserMetaData[*TensorOutputMeta](nil); ok {
		t.Error("UserMetaData(nil) reported ok")
	}
	var ids []int
	ForEachUserMeta(metas, MetaTypeSegmentation, func(s *SegmentationMeta) bool {
		ids = append(ids, s.UniqueID)
		return true
	})
	if len(ids) != 2 || ids[0] != 2 || ids[1] != 3 {
		t.Errorf("ForEachUserMeta visited %v, want [2 3]", ids)
	}
	n := 0
	ForEachUserMeta(metas, MetaTypeSegmentation, func(*SegmentationMeta) bool { n++; return false })
	if n != 1 {
		t.Errorf("ForEachUserMeta went on after false: %d calls", n)
	}
	ForEachUserMeta[*SegmentationMeta](metas, MetaTypeSegmentation, nil) // must not panic
}

func TestUserMetaReleaseFuncCalledOnceWherever(t *testing.T) {
	for _, where := range []string{"batch", "frame", "object"} {
		t.Run(where, func(t *testing.T) {
			b, f := newFrame(t, 1)
			o := b.AcquireObjectMeta()
			mustOK(t, f.AddObject(o))
			rel := released{}
			payloads := []*int{new(int), new(int)}
			add := func(p *int) *UserMeta {
				u := b.AcquireUserMeta()
				u.Data, u.ReleaseFunc = p, rel.fn
				switch where {
				case "batch":
					mustOK(t, b.AddUserMeta(u))
				case "frame":
					mustOK(t, f.AddUserMeta(u))
				default:
					mustOK(t, o.AddUserMeta(u))
				}
				return u
			}
			removed, kept := add(payloads[0]), add(payloads[1])
			_ = kept
			switch where {
			case "batch":
				mustOK(t, b.RemoveUserMeta(removed))
			case "frame":
				mustOK(t, f.RemoveUserMeta(removed))
			default:
				mustOK(t, o.RemoveUserMeta(removed))
			}
			if rel[payloads[0]] != 1 || rel[payloads[1]] != 0 {
				t.Fatalf("after remove: releases = %d, %d; want 1, 0", rel[payloads[0]], rel[payloads[1]])
			}
			b.ReleaseMeta()
			b.ReleaseMeta()
			if rel[payloads[0]] != 1 || rel[payloads[1]] != 1 {
				t.Errorf("after release: releases = %d, %d; want 1, 1", rel[payloads[0]], rel[payloads[1]])
			}
		})
	}
}
