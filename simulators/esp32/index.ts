/** What the app's e2e tests and benchmarks use from the ESP32 simulator. */
export { startEsp32Sim, type Esp32Sim, type StartEsp32SimOptions } from './start-sim';
export { Esp32SimDevice, type Esp32SimOptions, type Esp32SimFaults, type BootRecord, type SimState } from './esp32-device';
export { NorFlash, W25Q32_TIMING, type FlashTiming } from './nor-flash';
export { SIM_CHIPS, type SimChipName } from './chip-profiles';
export { buildEspImage, tinygoStyleImage, firmwareLikeBytes, type BuildImageOptions, type ImageSegment } from './esp-image-builder';
export { NodeWebSerialPort } from './web-serial-adapter';
