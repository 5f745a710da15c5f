//go:build race

package configs_test

// raceEnabled is true under -race: the tests that run the sample models over
// whole clips skip themselves there (make test runs them without -race).
const raceEnabled = true
