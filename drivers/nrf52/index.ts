/**
 * drivers/nrf52: flashing nRF52 boards without a probe (UF2 drive, Adafruit legacy serial DFU, Nordic
 * Secure DFU), DAPLink copies, and the plan for boards that need tinygo flash.
 */
export { inspectNrfImage, loadNrfImage, type NrfImageInfo, type NrfImageKind } from './inspect-image';
export { flashUf2, uf2ForFile, checkSoftDevice, DEFAULT_UF2_TIMEOUTS, type FlashUf2Options, type Uf2Timeouts } from './flash-uf2';
export { flashLegacyDfu, legacyPackageForFile, DEFAULT_LEGACY_TIMING, type LegacyDfuOptions, type LegacyDfuTiming } from './legacy-dfu';
export { flashSecureDfu, securePackageForFile, DEFAULT_SECURE_TIMING, type SecureDfuOptions, type SecureDfuTiming } from './secure-dfu';
export { flashNrf52, type FlashNrf52Options, type OpenedLink } from './flash-nrf52';
export { planNrfFlash, assertToolForPlan, UF2_VOLUME_NAMES, type NrfFlashPlan, type NrfFlashMethod, type ToolProbe } from './flash-plan';
export { copyHexToDaplink, findDaplinkDrives, type DaplinkCopyOptions } from './daplink-drive';
export { touchSerialPortAt1200, type TouchOptions } from './touch-1200';
export { findUf2Drives, parseInfoUf2, writeUf2File, defaultDriveRoots, type Uf2Drive } from './uf2-drive';
export { encodeUf2, decodeUf2, UF2_FAMILY_NRF52840 } from './uf2';
export { buildLegacyPackage, legacyZipFromPackage } from './legacy-package';
export { buildSecurePackage, secureZipFromPackage, readSecureZip } from './secure-package';
export { readDfuZip, type DfuZipFlavour } from './dfu-zip';
export { matchesAppIdentity, type AppIdentity } from './app-identity';
export type { SoftDeviceId } from './nrf52-layout';
