//go:build !ledpin && !pca10056 && !pca10040 && !feather_nrf52840 && !xiao_esp32c3 && !qtpy_esp32c3 && !m5stack && !m5stack_core2 && !m5paper && !mch2022 && !makerfabs_esp32c3spi35 && !m5stamp_c3 && !microbit_v2

package main

import "machine"

// Most boards define exactly one user LED as machine.LED.
var leds = []namedLED{{"LED", machine.LED}}
