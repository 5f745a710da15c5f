package pipeline

// ProbeType selects what a pad probe sees, and whether it blocks.
type ProbeType uint32

// Probe types; combine with |.
const (
	// ProbeBuffer sees every buffer passing the pad.
	ProbeBuffer ProbeType = 1 << iota
	// ProbeBufferList sees every buffer list passing the pad.
	ProbeBufferList
	// ProbeEventDownstream sees downstream events (caps, segment, EOS, custom).
	ProbeEventDownstream
	// ProbeEventUpstream sees upstream events (QoS, latency, custom).
	ProbeEventUpstream
	// ProbeBlock makes the probe hold the streaming goroutine at the pad
	// after its callback returns ProbeOK, until the probe is removed or the
	// pad flushes: the way to relink a running pipeline safely.
	ProbeBlock
)

// ProbeData is every data probe type.
const ProbeData = ProbeBuffer | ProbeBufferList | ProbeEventDownstream

// ProbeBlockDownstream blocks on buffers, lists and downstream events.
const ProbeBlockDownstream = ProbeBlock | ProbeData

// ProbeReturn is a probe callback's verdict on the data it saw.
type ProbeReturn uint8

const (
	// ProbeOK lets the data pass (after blocking, for blocking probes).
	ProbeOK ProbeReturn = iota
	// ProbeDrop drops the data; the pusher sees success.
	ProbeDrop
	// ProbeRemove lets the data pass and removes the probe.
	ProbeRemove
	// ProbePass lets the data pass without blocking, even for blocking probes.
	ProbePass
	// ProbeHandled means the callback took ownership of the data (it must
	// unref a buffer it does not push on); the pusher sees success.
	ProbeHandled
)

// ProbeID identifies an installed probe for RemoveProbe.
type ProbeID uint64

// ProbeInfo is what a probe callback sees. For buffer probes the callback
// may replace Buffer (after unreffing the old one, or making it writable
// with MakeWritable); the pad passes on whatever Buffer holds on return.
// The info is only valid during the callback.
type ProbeInfo struct {
	ID     ProbeID
	Type   ProbeType
	Buffer *Buffer
	List   *BufferList
	Event  *Event
}

// ProbeFunc is a pad probe callback. It runs in the streaming goroutine.
type ProbeFunc func(pad *Pad, info *ProbeInfo) ProbeReturn

type probe struct {
	id   ProbeID
	mask ProbeType
	fn   ProbeFunc
}

// AddProbe installs a probe that sees the data selected by mask, and
// returns its id. Probes run in the order they were added.
func (p *Pad) AddProbe(mask ProbeType, fn ProbeFunc) ProbeID {
	p = p.target()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.nextProbe++
	var list []*probe
	if old := p.probes.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, &probe{id: p.nextProbe, mask: mask, fn: fn})
	p.probes.Store(&list)
	return p.nextProbe
}

// RemoveProbe removes a probe and releases a goroutine it blocks; it
// reports whether the probe was installed.
func (p *Pad) RemoveProbe(id ProbeID) bool {
	p = p.target()
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.removeProbeLocked(id)
}

func (p *Pad) removeProbeLocked(id ProbeID) bool {
	old := p.probes.Load()
	if old == nil {
		return false
	}
	var list []*probe
	found := false
	for _, pr := range *old {
		if pr.id == id {
			found = true
			continue
		}
		list = append(list, pr)
	}
	if !found {
		return false
	}
	if len(list) == 0 {
		p.probes.Store(nil)
	} else {
		p.probes.Store(&list)
	}
	p.blockCond.Broadcast()
	return true
}

func (p *Pad) hasProbe(id ProbeID) bool {
	if pl := p.probes.Load(); pl != nil {
		for _, pr := range *pl {
			if pr.id == id {
				return true
			}
		}
	}
	return false
}

// runProbe calls one probe and applies its verdict; it reports whether the
// data goes on, and handled=true when a probe took it.
func (p *Pad) runProbe(pr *probe, info *ProbeInfo) (pass, handled bool) {
	info.ID = pr.id
	switch pr.fn(p, info) {
	case ProbeDrop:
		return false, false
	case ProbeHandled:
		return false, true
	case ProbeRemove:
		p.RemoveProbe(pr.id)
	case ProbeOK:
		if pr.mask&ProbeBlock != 0 {
			p.block(pr.id)
			if p.flushing.Load() {
				return false, false
			}
		}
	}
	return true, false
}

// block waits until probe id is removed or the pad flushes.
func (p *Pad) block(id ProbeID) {
	p.mu.Lock()
	for p.hasProbe(id) && !p.flushing.Load() {
		p.blockCond.Wait()
	}
	p.mu.Unlock()
}

// bufferProbes runs buffer probes; it returns the (possibly replaced)
// buffer to pass on, or nil with the flow result when it must not go on.
func (p *Pad) bufferProbes(list []*probe, buf *Buffer) (*Buffer, FlowReturn) {
	info := &p.info
	for _, pr := range list {
		if pr.mask&ProbeBuffer == 0 {
			continue
		}
		*info = ProbeInfo{Type: ProbeBuffer, Buffer: buf}
		pass, handled := p.runProbe(pr, info)
		buf = info.Buffer
		info.Buffer = nil
		if handled {
			return nil, FlowOK
		}
		if !pass || buf == nil {
			if buf != nil {
				buf.Unref()
			}
			if p.flushing.Load() {
				return nil, FlowFlushing
			}
			return nil, FlowOK
		}
	}
	return buf, FlowOK
}

// listProbes runs buffer-list probes; false means the list was dropped or taken.
func (p *Pad) listProbes(list *BufferList) bool {
	pl := p.probes.Load()
	if pl == nil {
		return true
	}
	for _, pr := range *pl {
		if pr.mask&ProbeBufferList == 0 {
			continue
		}
		info := &ProbeInfo{Type: ProbeBufferList, List: list}
		pass, handled := p.runProbe(pr, info)
		if handled {
			return false
		}
		if !pass {
			list.Unref()
			return false
		}
	}
	return true
}

// eventProbes runs event probes of the given direction; false means the
// event was dropped or taken.
func (p *Pad) eventProbes(ev *Event, dir ProbeType) bool {
	pl := p.probes.Load()
	if pl == nil {
		return true
	}
	for _, pr := range *pl {
		if pr.mask&dir == 0 {
			continue
		}
		info := &ProbeInfo{Type: dir, Event: ev}
		if pass, _ := p.runProbe(pr, info); !pass {
			return false
		}
	}
	return true
}
