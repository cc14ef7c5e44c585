package main

// `starcdc healthcheck URL`: a container healthcheck for images that have
// no shell and no curl, such as starcdc's own distroless image.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

var healthcheckHelp = cmdHelp{
	synopsis: "healthcheck [--timeout D] URL",
	about: `GET URL, typically /ready or /healthz of a starcdc run started with
--http-addr, and exit 0 when it answers 2xx, 1 otherwise (no answer within
--timeout, or any other status). Prints the status and the start of the
body. For container healthchecks in images without a shell or curl, such as
starcdc's own: ["CMD", "/starcdc", "healthcheck", "http://127.0.0.1:9464/ready"].
Proxy environment variables are ignored.`,
	args: "  URL   an http:// or https:// address",
}

// errUnhealthy: the URL answered, but not with a 2xx status.
var errUnhealthy = errors.New("unhealthy")

// healthcheckBodyMax bounds how much of the body is read and printed.
const healthcheckBodyMax = 512

func cmdHealthcheck(ctx context.Context, args []string, stdout io.Writer) error {
	fs := newFlagSet("healthcheck")
	timeout := fs.Duration("timeout", 3*time.Second, "how long the request may take")
	pos, err := parseArgs(fs, healthcheckHelp, args, stdout)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("usage: starcdc " + healthcheckHelp.synopsis)}
	}
	u, err := url.Parse(pos[0])
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usageError{fmt.Errorf("%q is not an http:// or https:// URL", pos[0])}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return usageError{err}
	}
	// A Transport of its own: no proxy from the environment, no
	// connection kept after the process exits.
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u.Redacted(), stripURLErr(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, healthcheckBodyMax))
	fmt.Fprintf(stdout, "%s %s\n", resp.Status, bytes.TrimSpace(body))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: %s answered %s", errUnhealthy, u.Redacted(), resp.Status)
	}
	return nil
}

// stripURLErr removes the *url.Error wrapper, whose text repeats the URL.
func stripURLErr(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
