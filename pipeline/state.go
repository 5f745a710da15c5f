package pipeline

import "fmt"

// State is an element's state. Elements go up NULL -> READY -> PAUSED ->
// PLAYING and back down one step at a time.
//
//   - NULL: nothing allocated.
//   - READY: resources opened (files, devices, models), no data flowing.
//   - PAUSED: pads active, streaming goroutines running; sinks hold the
//     first buffer (preroll), live sources produce nothing.
//   - PLAYING: data flows and sinks render against the clock.
type State uint8

// The states.
const (
	StateVoidPending State = iota
	StateNull
	StateReady
	StatePaused
	StatePlaying
)

// String returns the state's name as GStreamer prints it.
func (s State) String() string {
	switch s {
	case StateVoidPending:
		return "VOID_PENDING"
	case StateNull:
		return "NULL"
	case StateReady:
		return "READY"
	case StatePaused:
		return "PAUSED"
	case StatePlaying:
		return "PLAYING"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// ParseState reads a state name (null, ready, paused, playing; any case).
func ParseState(s string) (State, error) {
	switch s {
	case "null", "NULL":
		return StateNull, nil
	case "ready", "READY":
		return StateReady, nil
	case "paused", "PAUSED":
		return StatePaused, nil
	case "playing", "PLAYING":
		return StatePlaying, nil
	}
	return 0, fmt.Errorf("unknown state %q (want null, ready, paused or playing)", s)
}

// StateChange is one step between adjacent states.
type StateChange struct{ From, To State }

// The six steps.
var (
	NullToReady     = StateChange{StateNull, StateReady}
	ReadyToPaused   = StateChange{StateReady, StatePaused}
	PausedToPlaying = StateChange{StatePaused, StatePlaying}
	PlayingToPaused = StateChange{StatePlaying, StatePaused}
	PausedToReady   = StateChange{StatePaused, StateReady}
	ReadyToNull     = StateChange{StateReady, StateNull}
)

// IsUpward reports whether the step goes towards PLAYING.
func (t StateChange) IsUpward() bool { return t.To > t.From }

// String returns "FROM->TO".
func (t StateChange) String() string { return t.From.String() + "->" + t.To.String() }

// StateChangeReturn is the result of a state change.
type StateChangeReturn uint8

const (
	// StateChangeSuccess means the element reached the state.
	StateChangeSuccess StateChangeReturn = iota
	// StateChangeAsync means the element will reach the state later (a
	// sink waiting for its preroll buffer); an AsyncDone message follows.
	StateChangeAsync
	// StateChangeNoPreroll means the element is live: it reached PAUSED
	// but produces no data until PLAYING, so sinks must not wait for preroll.
	StateChangeNoPreroll
	// StateChangeFailure means the change failed; an error says why.
	StateChangeFailure
)

// String returns the result's name.
func (r StateChangeReturn) String() string {
	return [...]string{"SUCCESS", "ASYNC", "NO_PREROLL", "FAILURE"}[r]
}

// nextState returns the state one step from cur towards target.
func nextState(cur, target State) State {
	switch {
	case target > cur:
		return cur + 1
	case target < cur:
		return cur - 1
	}
	return cur
}
