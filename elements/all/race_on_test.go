//go:build race

package all_test

// raceEnabled is true under -race: the tests that run the sample models over
// whole clips skip themselves there (make test runs them without -race).
const raceEnabled = true
