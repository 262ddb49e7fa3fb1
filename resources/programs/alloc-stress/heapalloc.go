//go:build !memstats_noheapalloc

package main

import "runtime"

// heapAlloc is the live heap: MemStats.HeapAlloc (TinyGo 0.34 and later).
func heapAlloc(ms *runtime.MemStats) uint64 { return ms.HeapAlloc }
