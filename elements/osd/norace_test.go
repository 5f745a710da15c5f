//go:build !race

package osd

const raceEnabled = false
