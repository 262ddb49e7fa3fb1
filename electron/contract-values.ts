/**
 * The contract's value lists as plain constants, without zod: contract.ts builds its schemas from
 * them and re-exports them, and the renderer imports them from here so its bundle does not carry
 * the schema library (about 100 kB). Nothing else lives here, except the few pure readings of a
 * heap sample and a board's title, which both sides must agree on (below).
 */
import type { Board } from './contract';

/**
 * TinyGo build options the app offers (reference 6): the one list the schema, the build runner and
 * the renderer's Build options all read. Order: as the Build options menus show them.
 */
export const OPT_LEVELS = ['z', 's', '2', '1', '0'] as const;
export const GC_KINDS = ['conservative', 'precise', 'leaking', 'none'] as const;
export const SCHEDULERS = ['tasks', 'none', 'cores', 'threads', 'asyncify'] as const;
export const PANIC_STRATEGIES = ['print', 'trap'] as const;
/** `-serial`: where println goes (the target's default when absent). */
export const SERIAL_KINDS = ['none', 'uart', 'usb', 'rtt'] as const;
export type OptLevel = (typeof OPT_LEVELS)[number];
export type GcKind = (typeof GC_KINDS)[number];
export type Scheduler = (typeof SCHEDULERS)[number];
export type PanicStrategy = (typeof PANIC_STRATEGIES)[number];
export type SerialKind = (typeof SERIAL_KINDS)[number];

/** Most build tags / -X variables one build takes. */
export const MAX_BUILD_TAGS = 20;
export const MAX_LINKER_VARIABLES = 20;

/** Build log lines main keeps per board's latest build for a window that (re)connects; the window keeps as many. */
export const BUILD_LOG_KEPT_LINES = 5000;

/**
 * Memory budgets per board and program: flash bytes and static RAM bytes a build may use, and the
 * minimum free heap a running session must keep (reported by heap telemetry).
 */
export const BUDGET_KINDS = ['flash', 'ram', 'heap'] as const;
export type BudgetKind = (typeof BUDGET_KINDS)[number];
/**
 * Each budget in the user's words: `name` in the breach sentences ("Over the flash budget: …"),
 * `label` and `help` in the Budgets form ("Flash at most (bytes)").
 */
export const BUDGET_WORDS: Record<BudgetKind, { name: string; label: string; help: string }> = {
  flash: { name: 'flash', label: 'Flash at most', help: 'bytes of flash a build may use' },
  ram: { name: 'static RAM', label: 'Static RAM at most', help: 'bytes of .data + .bss (incl. the C stack)' },
  heap: { name: 'minimum free heap', label: 'Free heap at least', help: 'bytes free at the lowest point while it runs (from heap telemetry)' },
};

/** Export formats of the size history. */
export const HISTORY_EXPORT_FORMATS = ['csv', 'json'] as const;
export type HistoryExportFormat = (typeof HISTORY_EXPORT_FORMATS)[number];

/** Builds per page of the Size history table. */
export const HISTORY_PAGE_SIZES = [25, 50, 100] as const;

/** The flag matrix's axes (issue 10): what "Compare flags" offers, in the order it shows them. */
export const MATRIX_OPT_LEVELS = ['z', 's', '1', '2'] as const;
export const MATRIX_GC_KINDS = ['conservative', 'leaking', 'precise', 'none'] as const;
export const MATRIX_SCHEDULERS = ['tasks', 'asyncify', 'none'] as const;
export const MATRIX_PANIC_STRATEGIES = ['print', 'trap'] as const;
/** Most builds one experiment runs (every axis fully picked: 4 × 4 × 3 × 2 × 2 = 192). */
export const MAX_EXPERIMENT_VARIANTS = 192;

/**
 * What a heap telemetry sample means, read the same way by the session recorder (main) and the
 * heap view (renderer): the bundled heap-telemetry program's labels and Go's runtime.MemStats
 * names, in either line format. `uptimeMs` is the device's clock, not a series to plot.
 */
export const HEAP_FIELDS = ['uptimeMs', 'heapAlloc', 'heapInuse', 'heapIdle', 'heapSys', 'totalAlloc', 'mallocs', 'frees', 'numGC'] as const;
export type HeapField = (typeof HEAP_FIELDS)[number];
export const HEAP_FIELD_BY_SERIES: Readonly<Record<string, HeapField>> = {
  uptime_ms: 'uptimeMs',
  UptimeMs: 'uptimeMs',
  heap_alloc: 'heapAlloc',
  HeapAlloc: 'heapAlloc',
  heap_inuse: 'heapInuse',
  HeapInuse: 'heapInuse',
  heap_idle: 'heapIdle',
  HeapIdle: 'heapIdle',
  heap_sys: 'heapSys',
  HeapSys: 'heapSys',
  total_alloc: 'totalAlloc',
  TotalAlloc: 'totalAlloc',
  mallocs: 'mallocs',
  Mallocs: 'mallocs',
  frees: 'frees',
  Frees: 'frees',
  num_gc: 'numGC',
  NumGC: 'numGC',
};
export type HeapValues = Partial<Record<HeapField, number>>;

/** A stream is heap telemetry when it carries heap in use and either idle or the heap's size. */
export function isHeapSample(values: HeapValues): boolean {
  return values.heapInuse !== undefined && (values.heapIdle !== undefined || values.heapSys !== undefined);
}

/** Bytes the heap can hold: HeapSys, else in use + idle (TinyGo's heap-telemetry prints no heap_sys in Teleplot form). */
export function heapCapacity(values: HeapValues): number | undefined {
  if (values.heapSys !== undefined) return values.heapSys;
  if (values.heapInuse !== undefined && values.heapIdle !== undefined) return values.heapInuse + values.heapIdle;
  return undefined;
}

/** Free heap bytes: capacity − in use (TinyGo: HeapSys = HeapInuse + HeapIdle). */
export function freeHeap(values: HeapValues): number | undefined {
  const capacity = heapCapacity(values);
  return capacity === undefined || values.heapInuse === undefined ? undefined : capacity - values.heapInuse;
}

/** Serial line settings the console offers, in the order the window lists them. */
export const CONSOLE_DATA_BITS = [5, 6, 7, 8] as const;
export const CONSOLE_PARITIES = ['none', 'even', 'odd', 'mark', 'space'] as const;
export const CONSOLE_STOP_BITS = [1, 1.5, 2] as const;
/** Flow control and how the window names it. */
export const CONSOLE_FLOW_CONTROLS = { none: 'None', rtscts: 'RTS/CTS', xonxoff: 'XON/XOFF' } as const;
/** Line endings the console can append to what it sends, and how the window names them. */
export const LINE_ENDINGS = { none: 'No line ending', lf: 'LF', cr: 'CR', crlf: 'CR+LF' } as const;
/** Console timestamp styles and how the window names them. */
export const CONSOLE_TIMESTAMPS = { off: 'Off', relative: 'Relative', absolute: 'Absolute' } as const;
/** Window themes and how Settings names them. */
export const THEMES = { system: 'Follow the system', light: 'Light', dark: 'Dark' } as const;

/**
 * Where a job or request was when something happened: every progress event and every error names
 * one. The phrase completes "… while …" in the window ("Failed while writing the image").
 */
export const STAGES = {
  queued: 'waiting for its turn',
  starting: 'starting',
  preparing: 'preparing',
  validating: 'checking the image',
  'reading-image': 'reading the image file',
  reading: 'reading',
  'checking-board': 'checking the board',
  'finding-port': 'looking for the port',
  'opening-port': 'opening the port',
  'entering-bootloader': 'putting the board in its bootloader',
  'finding-drive': 'looking for the bootloader drive',
  connecting: 'connecting to the board',
  reconnecting: 'reconnecting to the board',
  syncing: 'waiting for the bootloader to answer',
  detecting: 'identifying the chip',
  'changing-baud': 'changing the baud rate',
  configuring: 'configuring the flash',
  'uploading-stub': 'loading the flasher stub',
  'sending-init-packet': 'sending the init packet',
  erasing: 'erasing flash',
  writing: 'writing the image',
  flashing: 'flashing',
  verifying: 'verifying the image',
  activating: 'starting the new firmware',
  resetting: 'resetting the board',
  reset: 'resetting the board',
  'waiting-for-board': 'waiting for the board to come back',
  waiting: 'waiting',
  done: 'finishing',
  toolchain: 'finding TinyGo',
  build: 'building',
  building: 'building',
  program: 'reading the program',
  targets: 'listing TinyGo targets',
  experiment: 'comparing flags',
  history: 'reading the size history',
  console: 'running the console',
  sending: 'sending to the board',
  signals: 'setting DTR/RTS',
  logging: 'logging the console',
  telemetry: 'recording heap telemetry',
  lease: 'lending the port',
  boards: 'listing boards',
  'adding-board': 'adding the board',
  editor: 'opening the editor',
  usage: 'reading the command line',
  ipc: 'talking to Flashdeck',
  internal: 'working',
} as const;
export type Stage = keyof typeof STAGES;

/** How Flashdeck puts an image on a board, and how the window names it. */
export const FLASH_METHODS = {
  'esp-serial': 'ESP serial bootloader',
  uf2: 'UF2 drive',
  'nrf-secure-dfu': 'Nordic Secure DFU',
  'nrf-legacy-dfu': 'Adafruit serial DFU',
  daplink: 'DAPLink drive',
  'tinygo-flash': 'tinygo flash',
} as const;
export type FlashMethod = keyof typeof FLASH_METHODS;

/** A build job's state, with the words the build panel shows for it. */
export const BUILD_STATES = { queued: 'Queued', running: 'Building', done: 'Done', failed: 'Failed', cancelled: 'Cancelled' } as const;
export type BuildState = keyof typeof BUILD_STATES;

/** The file a board's build produces for flashing (TinyGo's -o extension). */
export const OUTPUT_FORMATS = ['bin', 'uf2', 'hex', 'zip'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/**
 * How a driver checked what it wrote (the flash log keeps these strings as they are; the window
 * words each in renderer/flash/flash-result.ts). `copied`: nothing confirmed the copy arrived.
 */
export const VERIFICATION_METHODS = [
  'md5',
  'crc32',
  're-enumerated',
  'bootloader-left',
  'bootloader-silent',
  'daplink-remount',
  'copied',
  'md5 (tinygo flash)',
  'tinygo flash',
] as const;
export type VerificationMethod = (typeof VERIFICATION_METHODS)[number];

/** What a build diagnostic is about (electron/services/toolchain/diagnostics.ts sorts them by it). */
export const DIAGNOSTIC_KINDS = [
  'compile',
  'import',
  'link-overflow',
  'undefined-symbol',
  'link',
  'flash-tool',
  'go-version',
  'go-missing',
  'toolchain',
  'target',
  'other',
] as const;
export type DiagnosticKind = (typeof DIAGNOSTIC_KINDS)[number];
/** How bad a diagnostic or an image problem is. */
export const SEVERITIES = ['error', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** What a dropped file is, and how the window names it. */
export const IMAGE_KINDS = {
  'tinygo-app': 'ESP32 app image',
  merged: 'merged ESP32 image (bootloader, partitions, app)',
  raw: 'raw binary',
  hex: 'Intel HEX',
  bin: 'raw binary',
  uf2: 'UF2',
  'zip-legacy': 'Adafruit DFU package',
  'zip-secure': 'Nordic Secure DFU package',
  elf: 'ELF',
  unknown: 'unknown file',
} as const;
export type ImageKind = keyof typeof IMAGE_KINDS;
/** What the file pickers of the Flash tab and Flash all offer (content, not the name, decides what a file is). */
export const FIRMWARE_FILE_ACCEPT = '.bin,.hex,.uf2,.zip,.elf,.img';

/** Kinds written where the user says (an ESP image or a raw .bin); HEX, UF2, DFU packages and ELF carry their addresses. */
const ADDRESS_CHOSEN: ReadonlySet<ImageKind> = new Set<ImageKind>(['tinygo-app', 'merged', 'raw', 'bin']);
export function takesAddress(kind: ImageKind): boolean {
  return ADDRESS_CHOSEN.has(kind);
}

/**
 * Boards the app can simulate in-process ("Try with a simulated board"): each behaves like the real
 * bootloader byte for byte, with the board's buttons. The words are its name in the window.
 */
export const SIMULATED_BOARD_KINDS = {
  esp32: 'Simulated ESP32 DevKitC',
  'nrf52-uf2': 'Simulated Feather nRF52840',
} as const;
export type SimulatedBoardKind = keyof typeof SIMULATED_BOARD_KINDS;

/** A simulated board's buttons, as its header offers them (what each did is said after the press). */
export const SIMULATED_BUTTONS = {
  en: 'Press EN',
  'boot-en': 'Hold BOOT, tap EN',
  reset: 'Press RESET',
  'double-reset': 'Double-tap RESET',
} as const;
export type SimulatedButton = keyof typeof SIMULATED_BUTTONS;
/** Which buttons each simulated board has, as the real board does. */
export const SIMULATED_BOARD_BUTTONS: Record<SimulatedBoardKind, readonly SimulatedButton[]> = {
  esp32: ['en', 'boot-en'],
  'nrf52-uf2': ['reset', 'double-reset'],
};

/** The keys of a value-to-label map as a non-empty tuple, for z.enum. */
export function keysOf<T extends Record<string, string>>(labels: T): [keyof T & string, ...(keyof T & string)[]] {
  return Object.keys(labels) as [keyof T & string, ...(keyof T & string)[]];
}

/** A board's title in the window and in main's sentences: the user's name, else the guess ("CP210x bridge — likely ESP32"), else the port. */
export function boardTitle(board: Pick<Board, 'name' | 'path' | 'guess'>): string {
  return board.name ?? board.guess.label ?? board.path;
}
