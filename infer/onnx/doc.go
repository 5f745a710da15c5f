// Package onnx holds the official ONNX protobuf messages (onnx.proto from
// ONNX 1.17, proto2) compiled with google.golang.org/protobuf. The graph
// package reads a model with proto.Unmarshal into a ModelProto and lowers it
// to dsgo's graph IR; nothing else should need these types. onnx.pb.go is
// generated: edit onnx.proto and run `make proto`.
package onnx
