/**
 * Where things live in nRF52 flash on the boards Flashdeck flashes without a probe: MBR, SoftDevice,
 * application and the Adafruit bootloader's reserved region (nrf52-flashing.md 3.1, 4.8, 6.2, 8.9).
 */
export type SoftDeviceId = 's140v6' | 's140v7' | 's132v6' | 's113v7' | 'none';

/** The MBR occupies the first 4 KiB; nothing is ever written below it. */
export const MBR_END = 0x1000;

/** First application address for an image linked against each SoftDevice. */
export const APP_START_FOR_SOFTDEVICE: Record<SoftDeviceId, number> = {
  none: 0x1000,
  s113v7: 0x1c000,
  s132v6: 0x26000,
  s140v6: 0x26000,
  s140v7: 0x27000,
};

/** Human names for messages. */
export const SOFTDEVICE_LABEL: Record<SoftDeviceId, string> = {
  none: 'no SoftDevice',
  s113v7: 'S113 v7',
  s132v6: 'S132 v6',
  s140v6: 'S140 v6',
  s140v7: 'S140 v7',
};

/** End of usable application flash on Adafruit-bootloader boards (10 × 4 KiB app data below the bootloader). */
export const ADAFRUIT_APP_END_NRF52840 = 0xea000;
/** nRF52832 Feather: bootloader at 0x74000, 7 × 4 KiB reserved. */
export const ADAFRUIT_APP_END_NRF52832 = 0x6d000;
/** The Nordic Open DFU bootloader on PCA10059 lets the app run to 0xE0000 (TinyGo pca10059.ld: 0x1000 + 0xDF000). */
export const PCA10059_APP_END = 0xe0000;

export const FLASH_PAGE_SIZE = 4096;

/** Which SoftDevice an application starting at `start` was linked for (nRF52840 view; 0x26000 means S140 v6). */
export function softDeviceForAppStart(start: number): SoftDeviceId | undefined {
  if (start === 0x26000) return 's140v6';
  if (start === 0x27000) return 's140v7';
  if (start === 0x1000) return 'none';
  if (start === 0x1c000) return 's113v7';
  return undefined;
}

/**
 * Parses the `SoftDevice:` value of INFO_UF2.TXT ("S140 6.1.1", "S140 7.3.0", "not found").
 * Returns undefined when the line is missing or unrecognised.
 */
export function softDeviceFromInfoValue(value: string | undefined): SoftDeviceId | undefined {
  if (value === undefined) return undefined;
  const text = value.trim().toLowerCase();
  if (text.startsWith('not found') || text === 'none') return 'none';
  const match = /^s(\d{3})\s+(\d+)\./.exec(text);
  if (!match) return undefined;
  const id = `s${match[1]}v${match[2]}`;
  return id in APP_START_FOR_SOFTDEVICE ? (id as SoftDeviceId) : undefined;
}

export function hex32(value: number): string {
  return `0x${value.toString(16).toUpperCase().padStart(5, '0')}`;
}
