//go:build ledpin || xiao_esp32c3 || qtpy_esp32c3 || m5stack || m5stack_core2 || m5paper || mch2022 || makerfabs_esp32c3spi35 || m5stamp_c3 || microbit_v2

package main

import "machine"

// ledPin is the GPIO number of an LED wired to a board without machine.LED;
// set it with -ldflags "-X main.ledPin=<number>". Empty: no LED to test.
var ledPin = ""

var leds = pinLEDs()

func pinLEDs() []namedLED {
	if ledPin == "" {
		return nil
	}
	return []namedLED{{"GPIO" + ledPin, machine.Pin(parseUint(ledPin, 0))}}
}
