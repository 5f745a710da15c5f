//go:build !race

package configs_test

const raceEnabled = false
