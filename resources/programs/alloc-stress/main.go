// Alloc stress: allocates and frees heap memory in waves so the garbage
// collector's sawtooth shows in Flashdeck's heap plot. Each wave keeps up to
// `slots` buffers of growing size alive, then drops them all; the GC reclaims
// them when an allocation finds no free space (or at the explicit runtime.GC()
// every few waves). One heap sample per step is printed in the Arduino Serial
// Plotter format (same labels as heap-telemetry, plus "wave", "live_bytes", "total_alloc" and "num_gc";
// some TinyGo collectors leave NumGC at 0, and Flashdeck then infers collections).
//
// Build-time settings (-ldflags "-X main.name=value"):
//
//	stepMs   time between steps in ms (default 100)
//	maxBytes largest single buffer in bytes (default 2048)
//
// TinyGo 0.33: build with -tags=memstats_noheapalloc (see heap-telemetry).
// -gc=none cannot build this program (every make() needs runtime.alloc);
// -gc=leaking builds, but memory is never freed and it stops with an
// out-of-memory panic, which is itself instructive.
package main

import (
	"runtime"
	"time"
)

var stepMs = "100"
var maxBytes = "2048"

const slots = 16

var (
	ms   runtime.MemStats
	live [slots][]byte
)

func main() {
	configureLED()
	step := time.Duration(parseUint(stepMs, 100)) * time.Millisecond
	largest := int(parseUint(maxBytes, 2048))
	start := time.Now()
	for wave := 1; ; wave++ {
		setLED(wave%2 == 0)
		// Grow: fill the slots with buffers of increasing size.
		for i := 0; i < slots; i++ {
			size := 32 + (largest-32)*i/(slots-1)
			buf := make([]byte, size)
			buf[0] = byte(wave)
			buf[size-1] = byte(i)
			live[i] = buf
			report(time.Since(start).Milliseconds(), wave)
			time.Sleep(step)
		}
		// Drop: everything becomes garbage at once.
		for i := range live {
			live[i] = nil
		}
		if wave%4 == 0 {
			runtime.GC()
		}
		report(time.Since(start).Milliseconds(), wave)
		time.Sleep(step)
	}
}

func liveBytes() int {
	n := 0
	for i := range live {
		n += len(live[i])
	}
	return n
}

func report(uptimeMs int64, wave int) {
	runtime.ReadMemStats(&ms)
	print("uptime_ms:", uptimeMs,
		",wave:", wave,
		",live_bytes:", liveBytes(),
		",heap_alloc:", heapAlloc(&ms),
		",heap_inuse:", ms.HeapInuse,
		",heap_idle:", ms.HeapIdle,
		",total_alloc:", ms.TotalAlloc,
		",mallocs:", ms.Mallocs,
		",frees:", ms.Frees,
		",num_gc:", ms.NumGC)
	println()
}

// parseUint reads a decimal number; anything else (or 0) gives fallback.
func parseUint(s string, fallback uint32) uint32 {
	if len(s) == 0 || len(s) > 9 {
		return fallback
	}
	var n uint32
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return fallback
		}
		n = n*10 + uint32(c-'0')
	}
	if n == 0 {
		return fallback
	}
	return n
}
