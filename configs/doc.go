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
// The nvinfer configuration is LoadInfer, ParseInfer and InferConfig.
// The deepstream-app configuration (the file given to dsapp -c) is
// LoadApp, ParseApp and App: one typed struct per group ([application],
// [sourceN], [streammux], [primary-gie], [secondary-gieN], [tracker],
// [osd], [sinkN], [message-consumerN], ...), each embedding a Group that
// remembers the file and line of every key so that a program building a
// pipeline from it can still report file:line. App.ValidateSyntax checks
// the file alone (LoadApp runs it); App.ValidateFiles then checks the
// files it refers to, parsing each GIE's nvinfer config with LoadInfer.
// Relative paths resolve against the config file's directory wherever
// deepstream-app resolves them so. testdata/app/corpus holds real
// deepstream-app configs from public repositories that must all parse.
// The tracker, msgconv and broker configurations follow the same shape.
package configs
