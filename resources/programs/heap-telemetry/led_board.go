//go:build !noled && !xiao_esp32c3 && !qtpy_esp32c3 && !m5stack && !m5stack_core2 && !m5paper && !mch2022 && !makerfabs_esp32c3spi35 && !m5stamp_c3 && !microbit_v2

package main

import "machine"

func configureLED() { machine.LED.Configure(machine.PinConfig{Mode: machine.PinOutput}) }

func setLED(on bool) { machine.LED.Set(on) }
