/** Public surface of the ESP32 driver for the app's flash service and the console. */
export { flashEsp32, DEFAULT_FLASH_BAUD, ROM_BAUD, type FlashEsp32Options } from './flash-esp32';
export {
  inspectEspImage,
  planImageWrite,
  isChipProblem,
  defaultOffset,
  chipMismatchMessage,
  OFFSET_HINT,
  type EspImageSummary,
  type EspImageProblem,
  type EspAppImage,
} from './esp-image';
export { resetEsp32, isUsbJtag, type ResetStrategy } from './reset';
export { CHIPS, type EspChipName, type EspChipSpec } from './chips';
export { wallClock, type DriverClock } from '../common/clock';
export { DEFAULT_TIMEOUTS, type EspTimeouts } from './loader';
