/**
 * What differs between ESP chips for flashing: identity (image chip id, magic register value),
 * where eFuses, MAC and revision live, the SPI controller registers used to read the flash
 * JEDEC id, and the bootloader offset. Values from esptool's targets/*.py (facts, not code).
 */
import { FlashdeckError } from '../common/errors';
import { EspCommandError, type EspLoader } from './loader';
import { hex } from './protocol';

export type EspChipName = 'esp32' | 'esp32s2' | 'esp32s3' | 'esp32c3' | 'esp32c6';

interface BitField {
  /** Register address. */
  reg: number;
  shift: number;
  mask: number;
}

export interface EspChipSpec {
  name: EspChipName;
  displayName: string;
  /** Chip id in image header bytes 12-13 and in GET_SECURITY_INFO. */
  imageChipId: number;
  /** READ_REG 0x40001000 values that identify this chip. */
  magicValues: number[];
  /**
   * Its magic value names it on its own: the ESP32 (whose ROM and stub reject GET_SECURITY_INFO)
   * and the ESP32-S2 (whose GET_SECURITY_INFO carries no chip id). Later chips are named by chip id.
   */
  namedByMagic: boolean;
  /** Where the ROM looks for the first image (TinyGo writes its image here). */
  bootloaderOffset: number;
  /** The ROM sends FLASH_BEGIN with a 5th `encrypted` word (all but the ESP32 ROM). */
  romFlashBeginHasEncryptedWord: boolean;
  spi: { base: number; usr: number; usr1: number; usr2: number; w0: number; mosiDlen: number; misoDlen: number };
  /** The two MAC words and how they combine. */
  mac: { kind: 'esp32'; word1: number; word2: number } | { kind: 'efuse-block1'; mac0: number; mac1: number };
  /** Crystal from UART_CLKDIV (ESP32, S2) or fixed. */
  crystal: { kind: 'clkdiv'; reg: number; divider: number } | { kind: 'fixed'; mhz: number };
  /** Revision fields: major and minor as (hi<<3 | lo) or, for the ESP32, the rev bits. */
  revision: { kind: 'esp32'; efuse3: number; efuse5: number; apbCtlDate: number } | { kind: 'block1'; major: BitField; minorHi: BitField; minorLo: BitField };
}

const SPI_ESP32 = { base: 0x3ff42000, usr: 0x1c, usr1: 0x20, usr2: 0x24, w0: 0x80, mosiDlen: 0x28, misoDlen: 0x2c };
const spiNew = (base: number) => ({ base, usr: 0x18, usr1: 0x1c, usr2: 0x20, w0: 0x58, mosiDlen: 0x24, misoDlen: 0x28 });
const block1Revision = (efuseBase: number) => {
  const block1 = efuseBase + 0x44;
  return {
    kind: 'block1' as const,
    major: { reg: block1 + 4 * 5, shift: 24, mask: 0x3 },
    minorHi: { reg: block1 + 4 * 5, shift: 23, mask: 0x1 },
    minorLo: { reg: block1 + 4 * 3, shift: 18, mask: 0x7 },
  };
};

export const CHIPS: Record<EspChipName, EspChipSpec> = {
  esp32: {
    name: 'esp32',
    displayName: 'ESP32',
    imageChipId: 0,
    magicValues: [0x00f01d83],
    namedByMagic: true,
    bootloaderOffset: 0x1000,
    romFlashBeginHasEncryptedWord: false,
    spi: SPI_ESP32,
    mac: { kind: 'esp32', word1: 0x3ff5a000 + 4 * 1, word2: 0x3ff5a000 + 4 * 2 },
    crystal: { kind: 'clkdiv', reg: 0x3ff40014, divider: 1 },
    revision: { kind: 'esp32', efuse3: 0x3ff5a000 + 4 * 3, efuse5: 0x3ff5a000 + 4 * 5, apbCtlDate: 0x3ff6607c },
  },
  esp32s2: {
    name: 'esp32s2',
    displayName: 'ESP32-S2',
    imageChipId: 2,
    magicValues: [0x000007c6],
    namedByMagic: true,
    bootloaderOffset: 0x1000,
    romFlashBeginHasEncryptedWord: true,
    spi: spiNew(0x3f402000),
    mac: { kind: 'efuse-block1', mac0: 0x3f41a044, mac1: 0x3f41a048 },
    crystal: { kind: 'fixed', mhz: 40 },
    revision: {
      kind: 'block1',
      major: { reg: 0x3f41a044 + 4 * 3, shift: 18, mask: 0x3 },
      minorHi: { reg: 0x3f41a044 + 4 * 3, shift: 20, mask: 0x1 },
      minorLo: { reg: 0x3f41a044 + 4 * 4, shift: 4, mask: 0x7 },
    },
  },
  esp32s3: {
    name: 'esp32s3',
    displayName: 'ESP32-S3',
    imageChipId: 9,
    magicValues: [0x9],
    namedByMagic: false,
    bootloaderOffset: 0x0,
    romFlashBeginHasEncryptedWord: true,
    spi: spiNew(0x60002000),
    mac: { kind: 'efuse-block1', mac0: 0x60007044, mac1: 0x60007048 },
    crystal: { kind: 'fixed', mhz: 40 },
    revision: block1Revision(0x60007000),
  },
  esp32c3: {
    name: 'esp32c3',
    displayName: 'ESP32-C3',
    imageChipId: 5,
    magicValues: [0x6921506f, 0x1b31506f, 0x4881606f, 0x4361606f],
    namedByMagic: false,
    bootloaderOffset: 0x0,
    romFlashBeginHasEncryptedWord: true,
    spi: spiNew(0x60002000),
    mac: { kind: 'efuse-block1', mac0: 0x60008844, mac1: 0x60008848 },
    crystal: { kind: 'fixed', mhz: 40 },
    revision: block1Revision(0x60008800),
  },
  esp32c6: {
    name: 'esp32c6',
    displayName: 'ESP32-C6',
    imageChipId: 13,
    magicValues: [0x2ce0806f],
    namedByMagic: false,
    bootloaderOffset: 0x0,
    romFlashBeginHasEncryptedWord: true,
    spi: spiNew(0x60003000),
    mac: { kind: 'efuse-block1', mac0: 0x600b0844, mac1: 0x600b0848 },
    crystal: { kind: 'fixed', mhz: 40 },
    revision: block1Revision(0x600b0800),
  },
};

export const CHIP_DETECT_MAGIC_REG = 0x40001000;

/** Every chip id an ESP image header may carry, for messages about images for other chips. */
export const IMAGE_CHIP_NAMES: Record<number, string> = {
  0: 'ESP32',
  2: 'ESP32-S2',
  5: 'ESP32-C3',
  9: 'ESP32-S3',
  12: 'ESP32-C2',
  13: 'ESP32-C6',
  16: 'ESP32-H2',
  18: 'ESP32-P4',
  20: 'ESP32-C61',
  23: 'ESP32-C5',
  25: 'ESP32-H21',
  28: 'ESP32-H4',
  31: 'ESP32-E22',
  32: 'ESP32-S31',
};

export function chipByImageId(id: number): EspChipSpec | undefined {
  return Object.values(CHIPS).find((c) => c.imageChipId === id);
}

export function chipByMagic(value: number): EspChipSpec | undefined {
  return Object.values(CHIPS).find((c) => c.magicValues.includes(value >>> 0));
}

/**
 * The magic register first: it names an ESP32 or an ESP32-S2 on its own (namedByMagic), so the
 * ESP32 is never asked GET_SECURITY_INFO, which its ROM rejects with eight "invalid command"
 * replies (esptool reconnects after that). Later chips are named by GET_SECURITY_INFO's chip id,
 * as esptool does: their magic values are not unique. A READ_REG refused in either reply form
 * (Secure Download Mode) leaves the chip id to decide.
 */
export async function detectChip(loader: EspLoader): Promise<EspChipSpec> {
  let magic: number | null = null;
  try {
    magic = await loader.readReg(CHIP_DETECT_MAGIC_REG, undefined, { mayBeRefused: true });
  } catch (error) {
    const refused = error instanceof EspCommandError || (error instanceof FlashdeckError && error.code === 'ESP_UNSUPPORTED');
    if (!refused) throw error;
  }
  const byMagic = magic === null ? undefined : chipByMagic(magic);
  if (byMagic?.namedByMagic) return byMagic;
  const security = await loader.securityInfo();
  // A chip id is the answer when there is one; only without one does the magic value decide.
  const chip = security?.chipId != null ? chipByImageId(security.chipId) : byMagic;
  if (chip) return chip;
  const known = security?.chipId != null ? IMAGE_CHIP_NAMES[security.chipId] : undefined;
  throw new FlashdeckError({
    code: 'ESP_UNKNOWN_CHIP',
    stage: loader.stage,
    message: known
      ? `The board is an ${known}, which Flashdeck cannot flash yet.`
      : `Unknown chip (${[magic !== null ? `magic value ${hex(magic)}` : 'the magic register cannot be read', security?.chipId != null ? `chip id ${security.chipId}` : null].filter(Boolean).join(', ')}).`,
    hint: 'Flashdeck supports ESP32, ESP32-S2, ESP32-S3, ESP32-C3 and ESP32-C6.',
  });
}

export interface ChipFacts {
  revision: { major: number; minor: number };
  mac: string;
  crystalMhz: number;
}

const field = async (loader: EspLoader, f: BitField) => ((await loader.readReg(f.reg)) >>> f.shift) & f.mask;

export async function readChipFacts(loader: EspLoader, chip: EspChipSpec, hostBaud: number): Promise<ChipFacts> {
  let revision: ChipFacts['revision'];
  if (chip.revision.kind === 'esp32') {
    const e3 = await loader.readReg(chip.revision.efuse3);
    const e5 = await loader.readReg(chip.revision.efuse5);
    const apb = await loader.readReg(chip.revision.apbCtlDate);
    const bits = (((apb >>> 31) & 1) << 2) | (((e5 >>> 20) & 1) << 1) | ((e3 >>> 15) & 1);
    const major = bits & 1 ? (bits & 2 ? (bits & 4 ? 3 : 2) : 1) : 0;
    const minor = (e5 >>> 24) & 0x3;
    revision = { major, minor };
  } else {
    const r = chip.revision;
    revision = { major: await field(loader, r.major), minor: ((await field(loader, r.minorHi)) << 3) | (await field(loader, r.minorLo)) };
  }

  let macBytes: number[];
  if (chip.mac.kind === 'esp32') {
    const w1 = await loader.readReg(chip.mac.word1);
    const w2 = await loader.readReg(chip.mac.word2);
    macBytes = [(w2 >>> 8) & 0xff, w2 & 0xff, (w1 >>> 24) & 0xff, (w1 >>> 16) & 0xff, (w1 >>> 8) & 0xff, w1 & 0xff];
  } else {
    const m0 = await loader.readReg(chip.mac.mac0);
    const m1 = await loader.readReg(chip.mac.mac1);
    macBytes = [(m1 >>> 8) & 0xff, m1 & 0xff, (m0 >>> 24) & 0xff, (m0 >>> 16) & 0xff, (m0 >>> 8) & 0xff, m0 & 0xff];
  }
  const mac = macBytes.map((b) => b.toString(16).padStart(2, '0')).join(':');

  let crystalMhz: number;
  if (chip.crystal.kind === 'clkdiv') {
    const div = (await loader.readReg(chip.crystal.reg)) & 0xfffff;
    const estimate = (hostBaud * div) / 1e6 / chip.crystal.divider;
    crystalMhz = estimate > 33 ? 40 : 26;
  } else {
    crystalMhz = chip.crystal.mhz;
  }
  return { revision, mac, crystalMhz };
}

export interface FlashId {
  manufacturer: number;
  device: number;
  /** Bytes, from the JEDEC capacity code; null when the code is not a power of two we know. */
  sizeBytes: number | null;
  raw: number;
}

/** JEDEC RDID (0x9F) through the SPI controller registers, as esptool does. */
export async function readFlashId(loader: EspLoader, chip: EspChipSpec): Promise<FlashId> {
  const s = chip.spi;
  const SPI_USR_COMMAND = 1 << 31;
  const SPI_USR_MISO = 1 << 28;
  const SPI_CMD_USR = 1 << 18;
  const oldUsr = await loader.readReg(s.base + s.usr);
  const oldUsr2 = await loader.readReg(s.base + s.usr2);
  await loader.writeReg(s.base + s.misoDlen, 24 - 1);
  await loader.writeReg(s.base + s.usr, (SPI_USR_COMMAND | SPI_USR_MISO) >>> 0);
  await loader.writeReg(s.base + s.usr2, ((7 << 28) | 0x9f) >>> 0);
  await loader.writeReg(s.base + s.w0, 0);
  await loader.writeReg(s.base + 0x00, SPI_CMD_USR);
  let done = false;
  for (let i = 0; i < 10 && !done; i++) done = ((await loader.readReg(s.base + 0x00)) & SPI_CMD_USR) === 0;
  if (!done) {
    throw new FlashdeckError({
      code: 'ESP_FLASH_ID',
      stage: loader.stage,
      message: 'The SPI flash controller did not finish reading the flash id.',
      hint: 'The flash chip is not responding. Check the board power supply; GPIO 6-11 must not be connected to anything.',
    });
  }
  const raw = (await loader.readReg(s.base + s.w0)) & 0xffffff;
  await loader.writeReg(s.base + s.usr, oldUsr);
  await loader.writeReg(s.base + s.usr2, oldUsr2);
  const manufacturer = raw & 0xff;
  const device = (raw >>> 8) & 0xffff;
  const sizeCode = (raw >>> 16) & 0xff;
  const sizeBytes = sizeCode >= 0x12 && sizeCode <= 0x1a ? 2 ** sizeCode : null;
  return { manufacturer, device, sizeBytes, raw };
}
