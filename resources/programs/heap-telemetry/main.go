// Heap telemetry: blinks the LED and prints one heap sample per period (default
// one second) from runtime.ReadMemStats, for Flashdeck's telemetry plot.
//
// Line formats (choose with -ldflags "-X main.format=…"):
//
//	arduino (default), Arduino IDE 2 Serial Plotter, one line per sample:
//	  uptime_ms:12000,heap_alloc:1232,heap_inuse:1232,heap_idle:240544,heap_sys:241776,total_alloc:1376,mallocs:9,frees:2
//	teleplot, one variable per line:
//	  >heap_alloc:1232
//
// Other build-time settings: -X main.periodMs=<ms between samples>.
//
// TinyGo versions: runtime.MemStats.HeapAlloc exists from TinyGo 0.34. For 0.33
// build with -tags=memstats_noheapalloc (Flashdeck does this by version); then
// heap_alloc reports HeapInuse, which also counts garbage not yet swept.
// -gc=none has no ReadMemStats: use the default (conservative) or leaking GC.
//
// Printing uses print/println only (no fmt, no allocations); integers only,
// because TinyGo prints floats as +1.000000e+000. Lines end with "\r\n".
package main

import (
	"runtime"
	"time"
)

// format is "arduino" or "teleplot".
var format = "arduino"

// periodMs is the time between samples in milliseconds.
var periodMs = "1000"

// Global, so it is never heap-allocated; ReadMemStats fills it in place.
var ms runtime.MemStats

func main() {
	configureLED()
	half := time.Duration(parseUint(periodMs, 1000)/2) * time.Millisecond
	start := time.Now()
	on := false
	for tick := 0; ; tick++ {
		on = !on
		setLED(on)
		if tick%2 == 0 {
			report(time.Since(start).Milliseconds())
		}
		time.Sleep(half)
	}
}

func report(uptimeMs int64) {
	runtime.ReadMemStats(&ms)
	if format == "teleplot" {
		print(">uptime_ms:", uptimeMs)
		println()
		print(">heap_alloc:", heapAlloc(&ms))
		println()
		print(">heap_inuse:", ms.HeapInuse)
		println()
		print(">heap_idle:", ms.HeapIdle)
		println()
		print(">mallocs:", ms.Mallocs)
		println()
		print(">frees:", ms.Frees)
		println()
		return
	}
	print("uptime_ms:", uptimeMs,
		",heap_alloc:", heapAlloc(&ms),
		",heap_inuse:", ms.HeapInuse,
		",heap_idle:", ms.HeapIdle,
		",heap_sys:", ms.HeapSys,
		",total_alloc:", ms.TotalAlloc,
		",mallocs:", ms.Mallocs,
		",frees:", ms.Frees)
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
