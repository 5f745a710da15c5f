package eval

import (
	"fmt"
	"os"
	"strings"
)

// LoadGroundTruth reads a ground-truth file: COCO JSON when the name ends
// in .json, MOT text otherwise.
func LoadGroundTruth(path string) (*GroundTruth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var g *GroundTruth
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		g, err = ReadCOCOGroundTruth(f)
	} else {
		g, err = ReadMOTGroundTruth(f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return g, nil
}

// LoadPredictions reads predictions made on gt's clip: a deepstream-app
// KITTI directory (detector or tracker output), a COCO results file (.json)
// or MOT text (anything else).
func LoadPredictions(path string, gt *GroundTruth, opt KITTIOptions) ([]Prediction, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return ReadKITTIDir(path, gt, opt)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var p []Prediction
	if strings.HasSuffix(strings.ToLower(path), ".json") {
		p, err = ReadCOCOResults(f, gt)
	} else {
		p, err = ReadMOTPredictions(f, gt)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}
