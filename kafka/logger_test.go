package kafka

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// syncBuffer is a bytes.Buffer safe for franz-go's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func testLogger(level slog.Level, now func() time.Time) (kgo.Logger, *syncBuffer) {
	var buf syncBuffer
	h := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level, ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	return newLogger(slog.New(h), now), &buf
}

func TestLoggerLevels(t *testing.T) {
	cases := []struct {
		level slog.Level
		probe kgo.LogLevel
		want  []string // lines, in order
	}{
		{slog.LevelWarn, kgo.LogLevelWarn, []string{
			`level=WARN msg="broker connection failed" component=kafka addr=x:9092`,
		}},
		{slog.LevelInfo, kgo.LogLevelInfo, []string{
			`level=INFO msg=joined component=kafka group=connect-a`,
			`level=WARN msg="broker connection failed" component=kafka addr=x:9092`,
		}},
		{slog.LevelDebug, kgo.LogLevelInfo, []string{
			`level=INFO msg=joined component=kafka group=connect-a`,
			`level=DEBUG msg="metadata update triggered" component=kafka why=x`,
			`level=WARN msg="broker connection failed" component=kafka addr=x:9092`,
		}},
		{LevelTrace, kgo.LogLevelDebug, []string{
			`level=INFO msg=joined component=kafka group=connect-a`,
			`level=DEBUG msg="metadata update triggered" component=kafka why=x`,
			`level=DEBUG-4 msg="wrote Metadata v12" component=kafka`,
			`level=WARN msg="broker connection failed" component=kafka addr=x:9092`,
		}},
	}
	for _, c := range cases {
		t.Run(c.level.String(), func(t *testing.T) {
			l, buf := testLogger(c.level, time.Now)
			if got := l.Level(); got != c.probe {
				t.Errorf("Level() = %v, want %v", got, c.probe)
			}
			l.Log(kgo.LogLevelInfo, "joined", "group", "connect-a")
			l.Log(kgo.LogLevelInfo, "metadata update triggered", "why", "x")
			l.Log(kgo.LogLevelDebug, "wrote Metadata v12")
			l.Log(kgo.LogLevelWarn, "broker connection failed", "addr", "x:9092")
			if got, want := buf.String(), strings.Join(c.want, "\n")+"\n"; got != want {
				t.Errorf("logged:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestLoggerThinsRepeats(t *testing.T) {
	now := time.Unix(1000, 0)
	l, buf := testLogger(slog.LevelInfo, func() time.Time { return now })
	warn := func() { l.Log(kgo.LogLevelWarn, "broker connection failed", "addr", "x:9092") }
	warn()
	for range 5 {
		now = now.Add(time.Second)
		warn()
	}
	l.Log(kgo.LogLevelError, "join group failed", "group", "connect-a")   // another message: not thinned
	l.Log(kgo.LogLevelWarn, "broker connection failed", "addr", "y:9092") // another broker: not thinned
	now = now.Add(RepeatEvery)
	warn()
	want := `level=WARN msg="broker connection failed" component=kafka addr=x:9092
level=ERROR msg="join group failed" component=kafka group=connect-a
level=WARN msg="broker connection failed" component=kafka addr=y:9092
level=WARN msg="broker connection failed" component=kafka addr=x:9092 repeated=5
`
	if got := buf.String(); got != want {
		t.Errorf("logged:\n%s\nwant:\n%s", got, want)
	}
}

// An unreachable broker is reported by the client itself, as a warning
// that names the address, within the first attempt.
func TestLoggerUnreachableBroker(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	l, buf := testLogger(slog.LevelInfo, time.Now)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.WithLogger(l))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cl.Ping(ctx); err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
	if got := buf.String(); !strings.Contains(got, `level=WARN msg="unable to open connection to broker" component=kafka addr=`+addr) ||
		!strings.Contains(got, `hint="check that Kafka runs and that this host reaches this address: bootstrap.servers`) {
		t.Errorf("no warning naming %s with a hint:\n%s", addr, got)
	}
}
