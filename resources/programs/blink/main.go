// Blink toggles the board's LED (machine.LED) forever.
//
// The blink period (one on+off cycle, in milliseconds) is set at build time:
//
//	tinygo build -target=<board> -ldflags="-X main.periodMs=250" -o blink.bin .
//
// -X can only set string variables, so periodMs is a string parsed by parseMs below
// (strconv would add a few KB for one number). Boards without machine.LED
// (xiao-esp32c3, qtpy-esp32c3, m5stack, microbit-v2, …) cannot build this
// program: use led-test with -X main.ledPin=<GPIO> instead.
package main

import (
	"machine"
	"time"
)

// periodMs is one full on+off cycle in milliseconds; set with -ldflags "-X main.periodMs=…".
var periodMs = "1000"

func main() {
	led := machine.LED
	led.Configure(machine.PinConfig{Mode: machine.PinOutput})
	half := time.Duration(parseMs(periodMs, 1000)/2) * time.Millisecond
	for {
		led.High()
		time.Sleep(half)
		led.Low()
		time.Sleep(half)
	}
}

// parseMs reads a decimal number of milliseconds; anything else (or 0) gives fallback.
// Periods below 20 ms are raised to 20 ms so the LED still visibly blinks.
func parseMs(s string, fallback uint32) uint32 {
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
	if n < 20 {
		n = 20
	}
	return n
}
