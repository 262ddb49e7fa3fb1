// LED test: lights every LED the board has, one after another, and prints the
// name of each on the serial console ("led-test: LED1 on").
//
// Which LEDs exist is decided at build time (leds_*.go):
//   - pca10056 / pca10040 (nRF52 DKs): LED1..LED4
//   - feather-nrf52840: LED1 (red, D3) and LED2 (blue, D4)
//   - every other board with machine.LED: that one LED
//   - boards without machine.LED (xiao-esp32c3, qtpy-esp32c3, m5stack, m5stack-core2,
//     m5paper, mch2022, makerfabs-esp32c3spi35, m5stamp-c3, microbit-v2) and any build
//     with -tags=ledpin: the GPIO number given with
//     -ldflags "-X main.ledPin=<number>", e.g. -X main.ledPin=10 (nothing blinks without it).
//
// The time each LED stays on is -ldflags "-X main.stepMs=…" (default 400).
package main

import (
	"machine"
	"time"
)

// stepMs is how long each LED stays on, in milliseconds.
var stepMs = "400"

func main() {
	step := time.Duration(parseUint(stepMs, 400)) * time.Millisecond
	for _, l := range leds {
		l.pin.Configure(machine.PinConfig{Mode: machine.PinOutput})
		l.pin.Low()
	}
	if len(leds) == 0 {
		for {
			println("led-test: no LED known for this board; rebuild with -ldflags \"-X main.ledPin=<GPIO number>\"")
			time.Sleep(2 * time.Second)
		}
	}
	for {
		for _, l := range leds {
			println("led-test:", l.name, "on")
			l.pin.High()
			time.Sleep(step)
			l.pin.Low()
		}
		time.Sleep(step)
	}
}

type namedLED struct {
	name string
	pin  machine.Pin
}

// parseUint reads a decimal number; anything else gives fallback.
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
	return n
}
