/**
 * The boards Flashdeck knows: TinyGo target, chip, how it is flashed, its USB identities in
 * application and bootloader mode, and its LED. Sources: shared/reference/tinygo-cli.md §8 and
 * nrf52-flashing.md §3, §5.3. A new board is one entry here; a new family is a driver folder too.
 */
import type { FlashMethod, OutputFormat } from '../../electron/contract-values';

export type BoardFamily = 'esp32' | 'nrf52';
export type Chip = 'ESP32' | 'ESP32-S2' | 'ESP32-S3' | 'ESP32-C3' | 'ESP32-C6' | 'nRF52840' | 'nRF52833' | 'nRF52832';
/** On-chip SRAM per the chip's datasheet (bytes): the RAM a board's heap and static data share. */
export const CHIP_RAM_BYTES: Readonly<Record<Chip, number>> = {
  ESP32: 520 * 1024,
  'ESP32-S2': 320 * 1024,
  'ESP32-S3': 512 * 1024,
  'ESP32-C3': 400 * 1024,
  'ESP32-C6': 512 * 1024,
  nRF52840: 256 * 1024,
  nRF52833: 128 * 1024,
  nRF52832: 64 * 1024,
};
/** How Flashdeck puts an image on the board: one of FLASH_METHODS (electron/contract-values.ts). */
export type { FlashMethod } from '../../electron/contract-values';
export type { OutputFormat };

/** "vvvv:pppp", lower-case hex. */
export type UsbId = string;

export interface BoardModel {
  target: string;
  name: string;
  family: BoardFamily;
  chip: Chip;
  flashMethod: FlashMethod;
  /** What `tinygo build -o` should produce for this board's flash method. */
  outputFormat: OutputFormat;
  /** USB identity while a TinyGo application runs (USB-CDC boards), or the board's USB-UART bridge. */
  usbApp: UsbId[];
  /** USB identity of its bootloader (UF2 / DFU mode). */
  usbBootloader: UsbId[];
  /** machine.LED pin name, or null where TinyGo defines none. */
  led: string | null;
  /** ESP: where a bootloader-less TinyGo image goes. */
  flashOffset?: number;
  /** nRF52 UF2/DFU boards: the SoftDevice the target links for (app start 0x26000 vs 0x27000). */
  softDevice?: 's140v6' | 's140v7';
  /** Tool that `tinygo flash` would need, for boards we cannot flash ourselves. */
  externalTool?: string;
  /** What a program may use, for when the installed TinyGo's linker script cannot be read. */
  memory?: MemoryLayout;
}

export interface MemoryRegionSize {
  /** Linker-script region name. */
  region: string;
  origin: number;
  bytes: number;
}

/** The application's flash region and the RAM the linker can use, with where the figures come from. */
export interface MemoryLayout {
  flash: MemoryRegionSize;
  ram: MemoryRegionSize;
  source: string;
}

// Layouts from TinyGo v0.33.0's linker scripts (shared/reference/tinygo-cli.md §9).
const NRF52840_PLAIN: MemoryLayout = {
  flash: { region: 'FLASH_TEXT', origin: 0, bytes: 1024 * 1024 },
  ram: { region: 'RAM', origin: 0x2000_0000, bytes: 256 * 1024 },
  source: 'TinyGo 0.33 targets/nrf52840.ld: FLASH_TEXT 1M at 0, RAM 256K',
};
const NRF52840_S140V6_UF2: MemoryLayout = {
  flash: { region: 'FLASH_TEXT', origin: 0x26000, bytes: 0xed000 - 0x26000 },
  ram: { region: 'RAM', origin: 0x2000_4180, bytes: 0x2004_0000 - 0x2000_4180 },
  source:
    'TinyGo 0.33 targets/nrf52840-s140v6-uf2.ld: the application sits between the S140 v6 SoftDevice (up to 0x26000) and the bootloader settings (0xED000); RAM above the SoftDevice’s 0x20004180',
};
const NRF52840_S140V7_UF2: MemoryLayout = {
  flash: { region: 'FLASH_TEXT', origin: 0x27000, bytes: 0xed000 - 0x27000 },
  ram: { region: 'RAM', origin: 0x2004_0000 - 0x3a000, bytes: 0x3a000 },
  source: 'TinyGo 0.33 targets/nrf52840-s140v7-uf2.ld: the application between the S140 v7 SoftDevice (up to 0x27000) and 0xED000; RAM 0x3A000 bytes',
};
const NRF52832_PLAIN: MemoryLayout = {
  flash: { region: 'FLASH_TEXT', origin: 0, bytes: 512 * 1024 },
  ram: { region: 'RAM', origin: 0x2000_0000, bytes: 64 * 1024 },
  source: 'TinyGo 0.33 targets/nrf52.ld: FLASH_TEXT 512K, RAM 64K',
};
const ESP32_LAYOUT: MemoryLayout = {
  flash: { region: 'IRAM', origin: 0x4008_0000, bytes: 128 * 1024 },
  ram: { region: 'DRAM', origin: 0x3ffa_e000, bytes: 200 * 1024 },
  source: 'TinyGo 0.33 targets/esp32.ld: code runs from IRAM (128K, no flash XIP before TinyGo PR #5511); data in DRAM 200K',
};
const ESP32C3_LAYOUT: MemoryLayout = {
  flash: { region: 'IROM', origin: 0x4200_0000, bytes: 4 * 1024 * 1024 },
  ram: { region: 'DRAM', origin: 0x3fc8_0000, bytes: 384 * 1024 },
  source: 'TinyGo 0.33 targets/esp32c3.ld: IROM/DROM are 8M windows onto the flash chip (4 MB on these boards); DRAM 384K',
};

const esp32 = (target: string, name: string, led: string | null, usbApp: UsbId[] = []): BoardModel => ({
  target,
  name,
  family: 'esp32',
  chip: 'ESP32',
  flashMethod: 'esp-serial',
  outputFormat: 'bin',
  usbApp,
  usbBootloader: [],
  led,
  flashOffset: 0x1000,
  memory: ESP32_LAYOUT,
});
const esp32c3 = (target: string, name: string, led: string | null, usbApp: UsbId[] = ['303a:1001']): BoardModel => ({
  target,
  name,
  family: 'esp32',
  chip: 'ESP32-C3',
  flashMethod: 'esp-serial',
  outputFormat: 'bin',
  usbApp,
  usbBootloader: [],
  led,
  flashOffset: 0,
  memory: ESP32C3_LAYOUT,
});
const uf2Board = (target: string, name: string, usbApp: UsbId[], usbBootloader: UsbId[], led: string | null, softDevice: 's140v6' | 's140v7' = 's140v6'): BoardModel => ({
  target,
  name,
  family: 'nrf52',
  chip: 'nRF52840',
  flashMethod: 'uf2',
  outputFormat: 'uf2',
  usbApp,
  usbBootloader,
  led,
  softDevice,
  memory: softDevice === 's140v7' ? NRF52840_S140V7_UF2 : NRF52840_S140V6_UF2,
});

export const BOARD_CATALOGUE: readonly BoardModel[] = [
  // ESP32 classic: USB-UART bridges, DTR/RTS auto-reset, image at 0x1000.
  esp32('esp32-coreboard-v2', 'ESP32 DevKitC / Core Board V2', 'IO2'),
  esp32('esp32-mini32', 'ESP32 Mini32', 'IO2'),
  esp32('adafruit-esp32-feather-v2', 'Adafruit ESP32 Feather V2', 'IO13'),
  esp32('m5stack', 'M5Stack Core', null, ['10c4:ea60']),
  esp32('m5stack-core2', 'M5Stack Core2', null, ['10c4:ea60']),
  esp32('m5paper', 'M5Paper', null, ['1a86:55d4']),
  esp32('m5stick-c', 'M5StickC', 'IO10', ['0403:6001']),
  esp32('mch2022', 'MCH2022 badge', null),
  esp32('esp32', 'ESP32 (chip target)', null),
  // ESP32-C3: USB-Serial-JTAG (303a:1001) on most boards, image at 0x0.
  esp32c3('esp32-c3-devkit-rust-1', 'ESP32-C3-DevKit-RUST-1', 'LED_BUILTIN'),
  esp32c3('esp32c3-12f', 'ESP32-C3-12F', 'LED_RED'),
  esp32c3('xiao-esp32c3', 'Seeed XIAO ESP32-C3', null),
  esp32c3('qtpy-esp32c3', 'Adafruit QT Py ESP32-C3', null),
  esp32c3('makerfabs-esp32c3spi35', 'Makerfabs ESP32-C3 SPI 3.5"', null),
  esp32c3('m5stamp-c3', 'M5Stamp C3', null, ['1a86:55d4']),
  esp32c3('esp32c3', 'ESP32-C3 (chip target)', null),
  // ESP32-S3 (TinyGo ≥ 0.40) and C6 (≥ 0.42): image at 0x0.
  { ...esp32c3('xiao-esp32s3', 'Seeed XIAO ESP32-S3', 'LED'), chip: 'ESP32-S3', memory: undefined },
  { ...esp32c3('esp32s3', 'ESP32-S3 (chip target)', null), chip: 'ESP32-S3', memory: undefined },
  { ...esp32c3('xiao-esp32c6', 'Seeed XIAO ESP32-C6', null), chip: 'ESP32-C6', memory: undefined },
  // nRF52840 with the Adafruit UF2 bootloader.
  uf2Board('feather-nrf52840', 'Adafruit Feather nRF52840 Express', ['239a:802a', '239a:8029'], ['239a:0029', '239a:002a'], 'D3'),
  uf2Board('feather-nrf52840-sense', 'Adafruit Feather nRF52840 Sense', ['239a:8088', '239a:8087'], ['239a:0087', '239a:0088'], 'D13'),
  uf2Board('itsybitsy-nrf52840', 'Adafruit ItsyBitsy nRF52840', ['239a:8051', '239a:8052'], ['239a:0051', '239a:0052'], 'D3'),
  uf2Board('circuitplay-bluefruit', 'Adafruit Circuit Playground Bluefruit', ['239a:8045'], ['239a:0045'], 'D13'),
  uf2Board('clue', 'Adafruit CLUE', ['239a:8072', '239a:8071'], ['239a:0071'], 'D17'),
  uf2Board('mdbt50qrx-uf2', 'Raytac MDBT50Q-RX dongle', ['239a:810b', '239a:810c'], ['239a:010b'], 'D0'),
  uf2Board('bluemicro840', 'BlueMicro840', ['1d50:6161'], ['1d50:6160'], 'LED1'),
  uf2Board('nicenano', 'nice!nano', ['239a:0029'], ['239a:00b3'], 'P0_15'),
  uf2Board('nano-33-ble-s140v6-uf2', 'Arduino Nano 33 BLE (UF2 bootloader)', ['239a:8063', '239a:0063'], ['239a:0063', '239a:0064'], 'LED_BUILTIN'),
  uf2Board('pca10056-s140v6-uf2', 'nRF52840-DK (UF2 bootloader)', ['239a:8029'], ['239a:00da'], 'LED1'),
  uf2Board('nrf52840-s140v6-uf2-generic', 'Generic nRF52840 (UF2 bootloader)', ['1209:9090'], [], null),
  uf2Board('xiao-ble', 'Seeed XIAO nRF52840 (Sense)', ['2886:8045'], ['2886:0044', '2886:0045'], 'LED_CHG', 's140v7'),
  uf2Board('nrf52840-mdk-usb-dongle', 'Makerdiary nRF52840 MDK USB Dongle', ['1915:cafe'], ['239a:0029'], 'LED'),
  // nRF52840 Dongle with Nordic's open DFU bootloader.
  {
    target: 'pca10059',
    name: 'Nordic nRF52840 Dongle (PCA10059)',
    family: 'nrf52',
    chip: 'nRF52840',
    flashMethod: 'nrf-secure-dfu',
    outputFormat: 'hex',
    usbApp: ['1915:cafe'],
    usbBootloader: ['1915:521f'],
    led: 'LED1',
  },
  // nRF52832 Feather: CP2104 USB-UART and the Adafruit bootloader's legacy serial DFU only (no UF2).
  // TinyGo has no target of its own for it; a pca10040-s132v6 build (app at 0x26000) fits its layout.
  {
    target: 'pca10040-s132v6',
    name: 'Adafruit Feather nRF52832 (legacy serial DFU)',
    family: 'nrf52',
    chip: 'nRF52832',
    flashMethod: 'nrf-legacy-dfu',
    outputFormat: 'hex',
    usbApp: ['10c4:ea60'],
    usbBootloader: ['10c4:ea60'],
    led: 'LED1',
  },
  // Boards that need a probe or another vendor tool: `tinygo flash` runs it.
  {
    target: 'nano-33-ble',
    name: 'Arduino Nano 33 BLE',
    family: 'nrf52',
    chip: 'nRF52840',
    flashMethod: 'tinygo-flash',
    outputFormat: 'bin',
    usbApp: ['2341:805a', '2341:005a'],
    usbBootloader: ['2341:005a'],
    led: 'LED_BUILTIN',
    externalTool: 'bossac',
  },
  {
    target: 'pca10056',
    name: 'Nordic nRF52840-DK (PCA10056)',
    family: 'nrf52',
    chip: 'nRF52840',
    flashMethod: 'tinygo-flash',
    outputFormat: 'hex',
    usbApp: [],
    usbBootloader: [],
    led: 'LED1',
    externalTool: 'nrfjprog',
    memory: NRF52840_PLAIN,
  },
  {
    target: 'pca10040',
    name: 'Nordic nRF52-DK (PCA10040)',
    family: 'nrf52',
    chip: 'nRF52832',
    flashMethod: 'tinygo-flash',
    outputFormat: 'hex',
    usbApp: [],
    usbBootloader: [],
    led: 'LED1',
    externalTool: 'openocd',
    memory: NRF52832_PLAIN,
  },
  {
    target: 'pinetime',
    name: 'PineTime',
    family: 'nrf52',
    chip: 'nRF52832',
    flashMethod: 'tinygo-flash',
    outputFormat: 'hex',
    usbApp: [],
    usbBootloader: [],
    led: 'LED1',
    externalTool: 'openocd',
    memory: NRF52832_PLAIN,
  },
  {
    target: 'nrf52840-mdk',
    name: 'Makerdiary nRF52840 MDK',
    family: 'nrf52',
    chip: 'nRF52840',
    flashMethod: 'tinygo-flash',
    outputFormat: 'hex',
    usbApp: ['1915:cafe'],
    usbBootloader: [],
    led: 'LED_GREEN',
    externalTool: 'openocd',
    memory: NRF52840_PLAIN,
  },
  {
    target: 'particle-argon',
    name: 'Particle Argon',
    family: 'nrf52',
    chip: 'nRF52840',
    flashMethod: 'tinygo-flash',
    outputFormat: 'hex',
    usbApp: ['2b04:d00c'],
    usbBootloader: [],
    led: 'D7',
    externalTool: 'openocd',
    memory: NRF52840_PLAIN,
  },
  {
    target: 'reelboard',
    name: 'PHYTEC reel board',
    family: 'nrf52',
    chip: 'nRF52840',
    flashMethod: 'daplink',
    outputFormat: 'hex',
    usbApp: ['2fe3:0100'],
    usbBootloader: [],
    led: 'LED1',
    memory: NRF52840_PLAIN,
  },
  { target: 'microbit-v2', name: 'BBC micro:bit v2', family: 'nrf52', chip: 'nRF52833', flashMethod: 'daplink', outputFormat: 'hex', usbApp: [], usbBootloader: [], led: null },
];

/** USB-UART bridges: they tell us "some board behind a CP2102", not which one. */
export const USB_UART_BRIDGES: Readonly<Record<UsbId, string>> = {
  '10c4:ea60': 'Silicon Labs CP210x',
  '1a86:7523': 'WCH CH340',
  '1a86:55d4': 'WCH CH9102',
  '0403:6001': 'FTDI FT232R',
  '0403:6010': 'FTDI FT2232',
  '0403:6015': 'FTDI FT231X',
};

export function usbIdOf(vendorId?: string, productId?: string): UsbId | undefined {
  if (!vendorId || !productId) return undefined;
  const clean = (hex: string) => hex.toLowerCase().replace(/^0x/, '').padStart(4, '0');
  return `${clean(vendorId)}:${clean(productId)}`;
}

export function findBoard(target: string): BoardModel | undefined {
  return BOARD_CATALOGUE.find((board) => board.target === target);
}

/** Whether a name is one of the chips Flashdeck knows (what a flash reads back is checked with it). */
export function isChip(name: string): name is Chip {
  return Object.prototype.hasOwnProperty.call(CHIP_RAM_BYTES, name);
}

export interface BoardGuess {
  /**
   * exact: one board; several: a short list; bridge: a USB-UART bridge (ESP-style board likely);
   * chip: the chip is known (a flash read it), the board model is not; unknown.
   */
  confidence: 'exact' | 'several' | 'bridge' | 'chip' | 'unknown';
  /** Board currently in its application or in its bootloader (UF2/DFU mode). */
  mode: 'application' | 'bootloader' | 'unknown';
  /** Candidate targets, best first. */
  targets: string[];
  /** A short human label: "Adafruit Feather nRF52840 Express (bootloader)", "CP210x bridge — likely ESP32". */
  label: string;
  chip?: Chip;
  family?: BoardFamily;
}

const UNKNOWN: BoardGuess = { confidence: 'unknown', mode: 'unknown', targets: [], label: 'Unknown board' };

/**
 * Guess the board behind a USB identity. A pinned target wins over any guess. Identities are
 * ambiguous (a TinyGo nice!nano app is 239a:0029, which is also the Feather bootloader's UF2 ID),
 * so a guess lists every candidate and says which mode each implies.
 */
export function guessBoard(vendorId?: string, productId?: string, pinnedTarget?: string, detectedChip?: string): BoardGuess {
  const byUsb = guessByUsb(vendorId, productId, pinnedTarget);
  if (pinnedTarget || byUsb.chip || !detectedChip || !isChip(detectedChip)) return byUsb;
  // The USB identity does not tell the chip (no identity, a USB-UART bridge, a chip family's shared
  // identity): the chip a flash read names the board and narrows its targets to that chip's boards.
  const targets = BOARD_CATALOGUE.filter((board) => board.chip === detectedChip).map((board) => board.target);
  const hinted = targets.filter((target) => byUsb.targets.includes(target)); // a bridge's hints first
  return {
    confidence: 'chip',
    mode: byUsb.mode,
    targets: [...hinted, ...targets.filter((target) => !hinted.includes(target))],
    label: `${detectedChip} board`,
    chip: detectedChip,
    family: detectedChip.startsWith('nRF') ? 'nrf52' : 'esp32',
  };
}

function guessByUsb(vendorId?: string, productId?: string, pinnedTarget?: string): BoardGuess {
  if (pinnedTarget) {
    const board = findBoard(pinnedTarget);
    if (board) return { confidence: 'exact', mode: 'unknown', targets: [board.target], label: board.name, chip: board.chip, family: board.family };
    return { ...UNKNOWN, targets: [pinnedTarget], label: pinnedTarget };
  }
  const id = usbIdOf(vendorId, productId);
  if (!id) return UNKNOWN;
  const asApp = BOARD_CATALOGUE.filter((board) => board.usbApp.includes(id));
  const asBootloader = BOARD_CATALOGUE.filter((board) => board.usbBootloader.includes(id));
  // A board listed only by its USB-UART bridge (m5stack on a CP2102) is a hint, not an identity.
  const bridge = USB_UART_BRIDGES[id];
  if (bridge) {
    const hinted = asApp.map((board) => board.target);
    return { confidence: 'bridge', mode: 'unknown', targets: hinted, label: `${bridge} bridge — likely an ESP32 board`, family: 'esp32' };
  }
  if (id === '303a:1001') {
    return { confidence: 'several', mode: 'unknown', targets: asApp.map((b) => b.target), label: 'Espressif USB-Serial-JTAG (ESP32-C3/S3/C6)', family: 'esp32' };
  }
  const candidates = [...asApp.map((board) => ({ board, mode: 'application' as const })), ...asBootloader.map((board) => ({ board, mode: 'bootloader' as const }))];
  if (candidates.length === 0) return UNKNOWN;
  const [first] = candidates;
  const chips = new Set(candidates.map((c) => c.board.chip));
  const modes = new Set(candidates.map((c) => c.mode));
  const mode = modes.size === 1 ? first.mode : 'unknown';
  const targets = [...new Set(candidates.map((c) => c.board.target))];
  return {
    confidence: targets.length === 1 ? 'exact' : 'several',
    mode,
    targets,
    label:
      targets.length === 1
        ? `${first.board.name}${mode === 'bootloader' ? ' (bootloader)' : ''}`
        : `${first.board.name} or ${targets.length - 1} other${targets.length > 2 ? 's' : ''}`,
    chip: chips.size === 1 ? first.board.chip : undefined,
    family: first.board.family,
  };
}
