package main

// Build stamps, set at link time and empty otherwise (a plain `go build` or
// `go install`, whose module version and VCS revision stay readable through
// runtime/debug.ReadBuildInfo). The Dockerfile sets them from its VERSION and
// REVISION build args:
//
//	go build -ldflags "-X main.buildVersion=v1.2.3 -X main.buildRevision=abc123" ./cmd/starcdc
//
// They are vars only because -X can set nothing else; nothing assigns them.
var (
	buildVersion  = ""
	buildRevision = ""
)
