package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// freshnessMetric is starcdc's histogram of the time from a record's Kafka
// timestamp to the acknowledgement of the load that carried it.
const freshnessMetric = "starcdc_record_freshness_seconds"

// errNoHistogram means the scraped text has no bucket of the histogram.
var errNoHistogram = errors.New("histogram not exported")

// bucket is one cumulative histogram bucket: Count observations ≤ LE.
type bucket struct {
	LE    float64
	Count float64
}

// scrape reads the Prometheus text at url.
func scrape(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b), nil
}

// parseBuckets reads the buckets of histogram name from Prometheus text,
// summing series that differ in labels other than le (as sum by (le) does),
// sorted by le.
func parseBuckets(text, name string) ([]bucket, error) {
	byLE := map[float64]float64{}
	prefix := name + "_bucket{"
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		end := strings.LastIndexByte(line, '}')
		if end < 0 {
			return nil, fmt.Errorf("malformed line %q", line)
		}
		labels, value := line[len(prefix):end], strings.TrimSpace(line[end+1:])
		if f := strings.Fields(value); len(f) > 0 {
			value = f[0] // a timestamp may follow
		}
		le := math.NaN()
		for _, l := range strings.Split(labels, ",") {
			k, v, ok := strings.Cut(l, "=")
			if ok && strings.TrimSpace(k) == "le" {
				x, err := strconv.ParseFloat(strings.Trim(v, `"`), 64)
				if err != nil {
					return nil, fmt.Errorf("bucket bound in %q: %w", line, err)
				}
				le = x
			}
		}
		if math.IsNaN(le) {
			return nil, fmt.Errorf("bucket without le in %q", line)
		}
		c, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("bucket count in %q: %w", line, err)
		}
		byLE[le] += c
	}
	if len(byLE) == 0 {
		return nil, fmt.Errorf("%w: %s", errNoHistogram, name)
	}
	bs := make([]bucket, 0, len(byLE))
	for le, c := range byLE {
		bs = append(bs, bucket{le, c})
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].LE < bs[j].LE })
	return bs, nil
}

// quantile is Prometheus' histogram_quantile(q, buckets): the bucket the
// q-th observation falls in, interpolated linearly within it (the first
// bucket's lower bound is 0 when its upper bound is positive); a rank in
// the +Inf bucket gives the highest finite bound. NaN without
// observations or without a +Inf bucket.
func quantile(q float64, bs []bucket) float64 {
	if len(bs) < 2 || !math.IsInf(bs[len(bs)-1].LE, 1) {
		return math.NaN()
	}
	total := bs[len(bs)-1].Count
	if total == 0 {
		return math.NaN()
	}
	switch {
	case q < 0:
		return math.Inf(-1)
	case q > 1:
		return math.Inf(1)
	}
	rank := q * total
	i := sort.Search(len(bs)-1, func(i int) bool { return bs[i].Count >= rank })
	if i == len(bs)-1 {
		return bs[len(bs)-2].LE
	}
	if i == 0 && bs[0].LE <= 0 {
		return bs[0].LE
	}
	lo, loCount := 0.0, 0.0
	if i > 0 {
		lo, loCount = bs[i-1].LE, bs[i-1].Count
	}
	hi, hiCount := bs[i].LE, bs[i].Count
	return lo + (hi-lo)*((rank-loCount)/(hiCount-loCount))
}
