//go:build unix

package loader

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user+system) used by this process, endpoint
// included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
