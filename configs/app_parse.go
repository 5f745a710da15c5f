package configs

import (
	"errors"
	"io"
)

// parseApp is filled in by the parser; see ParseApp.
func parseApp(name string, r io.Reader, dir string) (*App, []Warning, error) {
	return nil, nil, errors.New("configs: deepstream-app parser not finished")
}
