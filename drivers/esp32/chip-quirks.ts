/**
 * Chip behaviour beyond the facts in chips.ts, one entry per chip that has any (esptool keeps
 * these in its targets/*.py). The loaders and the job ask here instead of testing chip names.
 */
import type { EspChipName } from './chips';
import type { EspLoader } from './loader';

export interface ChipQuirks {
  /**
   * The first argument of the ROM's CHANGE_BAUDRATE for `baud`. The ESP32 ROM sets its UART
   * divider from its own estimate of the crystal, made with the drifting 8 MHz RC clock, so it
   * has to be asked for a rate scaled by that error to end up at `baud` (esptool's change_baud
   * for the ESP32).
   */
  romBaudArgument?(rom: EspLoader, baud: number): Promise<number>;
}

/** ESP32: RTC calibration value and the eFuse's CK8M frequency, as the ROM combines them. */
const ESP32_RTCCALICFG1 = 0x3ff5f06c;
const ESP32_CALI_VALUE_SHIFT = 7;
const ESP32_CALI_VALUE_MASK = 0x01ffffff;
const ESP32_EFUSE_WORD4 = 0x3ff5a000 + 4 * 4;

/** The crystal frequency the ESP32 ROM believes in, in Hz. */
async function esp32RomCrystalEstimate(rom: EspLoader): Promise<number> {
  const cali = ((await rom.readReg(ESP32_RTCCALICFG1)) >>> ESP32_CALI_VALUE_SHIFT) & ESP32_CALI_VALUE_MASK;
  const ck8m = (await rom.readReg(ESP32_EFUSE_WORD4)) & 0xff;
  return (cali * 15625 * ck8m) / 40;
}

export const CHIP_QUIRKS: Partial<Record<EspChipName, ChipQuirks>> = {
  esp32: {
    async romBaudArgument(rom, baud) {
      const estimate = await esp32RomCrystalEstimate(rom);
      const crystal = estimate > 33e6 ? 40e6 : 26e6;
      // An estimate far from either crystal is not a drift to correct (registers not as expected): ask for the rate itself.
      if (Math.abs(estimate - crystal) > crystal * 0.2) return baud;
      return Math.floor((baud * estimate) / crystal);
    },
  },
};

/** The quirks of `chip` (none for most chips). */
export function quirksOf(chip: EspChipName): ChipQuirks {
  return CHIP_QUIRKS[chip] ?? {};
}
