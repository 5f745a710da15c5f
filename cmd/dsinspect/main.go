// Command dsinspect lists dsgo's elements or describes one, like
// gst-inspect-1.0: its class, pad templates and properties with their
// types, ranges and defaults.
//
//	dsinspect            # every element
//	dsinspect queue      # one element
package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	_ "github.com/dsgo/dsgo/elements/all"
	"github.com/dsgo/dsgo/pipeline"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	reg := pipeline.DefaultRegistry()
	if len(args) == 0 {
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		for _, f := range reg.Factories() {
			fmt.Fprintf(w, "%s\t%s\t%s\n", f.Class.Factory, f.Class.Klass, f.Class.Description)
		}
		w.Flush()
		return 0
	}
	f, ok := reg.Lookup(args[0])
	if !ok {
		fmt.Fprintf(stderr, "No such element: %s\n", args[0])
		return 1
	}
	describe(stdout, f)
	return 0
}

func describe(w io.Writer, f *pipeline.Factory) {
	c := f.Class
	fmt.Fprintf(w, "Factory Details:\n  Name\t\t%s\n  Klass\t\t%s\n  Description\t%s\n\n", c.Factory, c.Klass, c.Description)
	fmt.Fprintln(w, "Pad Templates:")
	if len(c.Templates) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, t := range c.Templates {
		fmt.Fprintf(w, "  %s template: '%s'\n    Availability: %s\n    Capabilities:\n      %s\n\n",
			map[pipeline.PadDirection]string{pipeline.PadSrc: "SRC", pipeline.PadSink: "SINK"}[t.Direction],
			t.Name, t.Presence, t.Caps)
	}
	fmt.Fprintln(w, "Element Properties:")
	fmt.Fprintf(w, "  %-22s: The name of the object\n%26s string. Default: %q\n", "name", "", c.Factory+"0")
	for i := range c.Props {
		p := &c.Props[i]
		flags := "readable, writable"
		switch {
		case p.ReadOnly():
			flags = "readable"
		case p.Mutable:
			flags += ", changeable in PLAYING"
		}
		fmt.Fprintf(w, "  %-22s: %s\n%26s flags: %s\n", p.Name, p.Blurb, "", flags)
		line := fmt.Sprintf("%26s %s.", "", p.Kind)
		if r := p.Range(); r != "" {
			line += " Range: " + r + "."
		}
		if p.Default != "" {
			line += fmt.Sprintf(" Default: %s", p.Default)
		}
		fmt.Fprintln(w, line)
	}
}
