//go:build !ledpin && feather_nrf52840

package main

import "machine"

// Feather nRF52840 Express: red LED1 (D3) and blue LED2 (D4).
var leds = []namedLED{{"LED1", machine.LED1}, {"LED2", machine.LED2}}
