package scene

import (
	"fmt"
	"strings"
)

// Class is an object class, numbered as DeepStream's primary detector
// (resnet10 "Primary_Detector") numbers its labels.
type Class int

// The four classes of the ground truth.
const (
	Car Class = iota
	Bicycle
	Person
	Roadsign
)

// ClassNames are the class labels in class-id order.
var ClassNames = [...]string{"Car", "Bicycle", "Person", "Roadsign"}

// String returns the class label.
func (c Class) String() string {
	if c >= 0 && int(c) < len(ClassNames) {
		return ClassNames[c]
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// ColorNames are the car colour attribute values in index order.
var ColorNames = [...]string{"black", "white", "silver", "red", "blue", "green", "yellow", "orange"}

// TypeNames are the vehicle type attribute values in index order.
var TypeNames = [...]string{"sedan", "suv", "truck", "bus"}

// Vehicle types (indexes into TypeNames).
const (
	Sedan = iota
	SUV
	Truck
	Bus
)

// Lighting selects the time of day.
type Lighting int

// Lightings. Cycle goes from day through dusk to night and back over the
// length of the clip.
const (
	Day Lighting = iota
	Dusk
	Night
	Cycle
)

var lightingNames = [...]string{"day", "dusk", "night", "cycle"}

// String returns the lighting's name as ParseLighting takes it.
func (l Lighting) String() string {
	if l >= 0 && int(l) < len(lightingNames) {
		return lightingNames[l]
	}
	return fmt.Sprintf("Lighting(%d)", int(l))
}

// ParseLighting reads "day", "dusk", "night" or "cycle".
func ParseLighting(s string) (Lighting, error) {
	for i, n := range lightingNames {
		if strings.EqualFold(s, n) {
			return Lighting(i), nil
		}
	}
	return 0, fmt.Errorf("lighting %q: must be one of %s", s, strings.Join(lightingNames[:], ", "))
}

// Config describes a scene. Everything the scene shows is a function of
// it, so the same Config always renders the same pixels and ground truth.
type Config struct {
	// Seed chooses the street, its background and its traffic.
	Seed uint64
	// Width and Height are the frame size in pixels (0: 1280x720). The
	// camera's field of view is fixed, so a larger frame shows the same
	// street in more detail.
	Width, Height int
	// FPS is the frame rate (0: 30); motion is in metres per second.
	FPS int
	// Frames is the length of the clip; traffic is scheduled for frames
	// 0..Frames-1, with the street already busy at frame 0.
	Frames int
	// Lighting is the time of day.
	Lighting Lighting
	// Density scales how much traffic there is (0: 1, the default mix of
	// a few cars, people, bicycles at a time).
	Density float64
	// Noise is the standard deviation of the camera noise in 8-bit levels
	// (0: none). Darker scenes get proportionally more, as real sensors do.
	Noise float64
	// Blur softens the frame with a 3x3 binomial filter before the noise.
	Blur bool
	// DropoutFrames are half-open ranges [first, end) of frames where the
	// camera lost its signal: black frames with no objects.
	DropoutFrames [][2]int
}

// withDefaults fills the zero fields that have defaults.
func (c Config) withDefaults() Config {
	if c.Width == 0 && c.Height == 0 {
		c.Width, c.Height = 1280, 720
	}
	if c.FPS == 0 {
		c.FPS = 30
	}
	if c.Density == 0 {
		c.Density = 1
	}
	return c
}

// Validate reports the first field out of range.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Width < 64 || c.Height < 64 || c.Width > 8192 || c.Height > 8192:
		return fmt.Errorf("scene: size %dx%d: width and height must be 64-8192", c.Width, c.Height)
	case c.FPS < 1 || c.FPS > 240:
		return fmt.Errorf("scene: fps %d: must be 1-240", c.FPS)
	case c.Frames < 1 || c.Frames > 1<<24:
		return fmt.Errorf("scene: frames %d: must be 1-%d", c.Frames, 1<<24)
	case c.Lighting < Day || c.Lighting > Cycle:
		return fmt.Errorf("scene: lighting %d: must be day, dusk, night or cycle", c.Lighting)
	case !(c.Density > 0 && c.Density <= 10):
		return fmt.Errorf("scene: density %g: must be in (0, 10]", c.Density)
	case !(c.Noise >= 0 && c.Noise <= 64):
		return fmt.Errorf("scene: noise %g: must be 0-64", c.Noise)
	}
	for _, r := range c.DropoutFrames {
		if r[0] < 0 || r[1] <= r[0] {
			return fmt.Errorf("scene: drop-out frames [%d, %d): need 0 <= first < end", r[0], r[1])
		}
	}
	return nil
}

// dropout reports whether frame i is in a drop-out range.
func (c *Config) dropout(i int) bool {
	for _, r := range c.DropoutFrames {
		if i >= r[0] && i < r[1] {
			return true
		}
	}
	return false
}
