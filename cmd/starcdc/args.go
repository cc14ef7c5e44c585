package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// cmdHelp is the help text of a subcommand: `starcdc CMD -h`, `--help`,
// `-help` and `starcdc help CMD` print it on stdout.
type cmdHelp struct {
	synopsis string // after "starcdc "
	about    string // one paragraph
	args     string // the positional arguments, one per line; "" for none
}

// errHelp: the usage was printed on request (exit 0).
var errHelp = errors.New("help requested")

// newFlagSet returns a flag set that prints nothing itself: parseArgs
// reports errors and prints the help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseArgs parses the flags of fs, which may come before, between or
// after the positional arguments ("--" ends the flags), and returns the
// positional arguments. -h, -help and --help print h on stdout and return
// errHelp.
func parseArgs(fs *flag.FlagSet, h cmdHelp, args []string, stdout io.Writer) ([]string, error) {
	flags, pos := splitArgs(fs, args)
	if err := fs.Parse(flags); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printHelp(stdout, fs, h)
			return nil, errHelp
		}
		return nil, usageError{fmt.Errorf("%w; usage: starcdc %s (starcdc %s -h for help)", err, h.synopsis, fs.Name())}
	}
	return pos, nil
}

// splitArgs separates the flags (with their values) from the positional
// arguments, as the flag package would read each flag. Unknown flags are
// kept in flags for fs.Parse to report.
func splitArgs(fs *flag.FlagSet, args []string) (flags, pos []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(pos, args[i+1:]...)
		}
		if len(a) < 2 || a[0] != '-' {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimPrefix(a[1:], "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		if i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, pos
}

func printHelp(w io.Writer, fs *flag.FlagSet, h cmdHelp) {
	fmt.Fprintf(w, "Usage: starcdc %s\n\n%s\n", h.synopsis, h.about)
	if h.args != "" {
		fmt.Fprintf(w, "\nArguments:\n%s\n", h.args)
	}
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nFlags (before or after the arguments; -- ends the flags):")
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
}

var versionHelp = cmdHelp{
	synopsis: "version",
	about:    "Print starcdc's module version, the VCS commit it was built from (\"modified\"\nwhen the tree had uncommitted changes) and the Go version, on one line.",
}

func cmdVersion(args []string, stdout io.Writer) error {
	pos, err := parseArgs(newFlagSet("version"), versionHelp, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{errors.New("usage: starcdc version")}
	}
	fmt.Fprintln(stdout, versionLine())
	return nil
}

// versionLine is "starcdc VERSION commit REV[ (modified)] GOVERSION".
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "starcdc (unknown version: no build information)"
	}
	version := bi.Main.Version
	if version == "" {
		version = "(unknown)"
	}
	rev, modified := "unknown", ""
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = " (modified)"
			}
		}
	}
	// Link-time stamps (the Dockerfile's VERSION and REVISION) win: a
	// container build has no VCS information of its own.
	if buildVersion != "" {
		version = buildVersion
	}
	if buildRevision != "" {
		rev, modified = buildRevision, ""
	}
	return fmt.Sprintf("starcdc %s commit %s%s %s", version, rev, modified, bi.GoVersion)
}
