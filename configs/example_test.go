package configs_test

import (
	"fmt"
	"strings"

	"github.com/dsgo/dsgo/configs"
)

func ExampleParseInfer() {
	src := `[property]
onnx-file=resnet18_trafficcamnet.onnx
num-detected-classes=4
cluster-mode=7
`
	_, _, err := configs.ParseInfer("config_infer_primary.txt", strings.NewReader(src))
	fmt.Println(err)
	// Output: config_infer_primary.txt:4: cluster-mode=7: must be 0-4
}

func ExampleLoadInfer() {
	c, warnings, err := configs.LoadInfer("testdata/infer/yolo_config_infer_primary_yoloV8.txt")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(warnings), c.NumDetectedClasses, c.ClusterMode, c.ParseBBoxFuncName, c.Class(0).NMSIOUThreshold)
	// Output: 0 80 2 NvDsInferParseYolo 0.45
}
