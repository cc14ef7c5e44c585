package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"
)

// startProfile writes a CPU profile of the whole process to the file named
// by STARCDC_CPUPROFILE, for developers measuring starcdc (go run ./bench
// sets it for its starcdc run); read it with `go tool pprof`. It returns
// the function that stops the profile.
func startProfile(stderr io.Writer) func() {
	path := os.Getenv("STARCDC_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintf(stderr, "starcdc: STARCDC_CPUPROFILE: %v\n", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		fmt.Fprintf(stderr, "starcdc: STARCDC_CPUPROFILE: %v\n", err)
		f.Close()
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
