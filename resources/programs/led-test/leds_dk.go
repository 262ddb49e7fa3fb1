//go:build !ledpin && (pca10056 || pca10040)

package main

import "machine"

// The nRF52 development kits have four user LEDs.
var leds = []namedLED{{"LED1", machine.LED1}, {"LED2", machine.LED2}, {"LED3", machine.LED3}, {"LED4", machine.LED4}}
