// Package configs parses and validates deepstream-app, nvinfer, tracker,
// msgconv and broker configuration files into typed structs, with errors
// of the form "file:line: key: message". It is built by the dsapp issue;
// the package holds nothing yet.
package configs
