//go:build memstats_noheapalloc

package main

import "runtime"

// heapAlloc on TinyGo 0.33, which has no HeapAlloc: HeapInuse (includes unswept garbage).
func heapAlloc(ms *runtime.MemStats) uint64 { return ms.HeapInuse }
