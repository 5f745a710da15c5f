// Package configs parses and validates DeepStream configuration files into
// typed structs, so that dsgo runs DeepStream's configs unchanged.
//
// Files are GLib key files (the INI dialect DeepStream reads with
// GKeyFile): [groups], case-sensitive key=value lines, ';'-separated lists
// and full-line '#' comments. The package reads them with its own small
// reader that remembers the line of every key, so that each problem is
// reported as "file:line: key=value: what is allowed", e.g.
//
//	config_infer_primary.txt:14: cluster-mode=7: must be 0-4
//
// Parsing fills a struct that starts from DeepStream's defaults; a
// table-driven Validate then checks ranges and the values against each
// other. Unknown keys and groups are not errors but Warnings, since
// configs written for newer DeepStream releases carry keys dsgo ignores.
//
// Today the package holds the nvinfer configuration (LoadInfer,
// ParseInfer, InferConfig); the deepstream-app, tracker, msgconv and
// broker configurations follow the same shape.
package configs
