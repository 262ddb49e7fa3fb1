/**
 * The door between the main process and the renderer: every request with its argument and
 * result schema, every event stream with its payload schema. The Electron preload and the
 * WebSocket server both carry exactly this; the renderer imports only these types and its api.ts.
 *
 * Binary data crosses as base64 strings so the same JSON travels over IPC and WebSocket.
 * Errors cross as ErrorInfo values (code, stage, message, hint).
 */
import { z } from 'zod';
import { isErrorCode, type ErrorCode } from '../drivers/common/error-codes';
import {
  BUDGET_KINDS,
  BUILD_STATES,
  CONSOLE_DATA_BITS,
  CONSOLE_FLOW_CONTROLS,
  CONSOLE_PARITIES,
  CONSOLE_STOP_BITS,
  CONSOLE_TIMESTAMPS,
  DIAGNOSTIC_KINDS,
  FLASH_METHODS,
  IMAGE_KINDS,
  STAGES,
  GC_KINDS,
  keysOf,
  SIMULATED_BOARD_KINDS,
  SIMULATED_BUTTONS,
  LINE_ENDINGS,
  HISTORY_EXPORT_FORMATS,
  MAX_BUILD_TAGS,
  MAX_EXPERIMENT_VARIANTS,
  MAX_LINKER_VARIABLES,
  OPT_LEVELS,
  OUTPUT_FORMATS,
  PANIC_STRATEGIES,
  SCHEDULERS,
  SERIAL_KINDS,
  SEVERITIES,
  THEMES,
  VERIFICATION_METHODS,
} from './contract-values';

// ── Shared shapes ────────────────────────────────────────────────────────────────────────────

/** One of ERROR_CODES (drivers/common/error-codes.ts): the compiler checks every code written, this checks what crosses. */
export const errorCodeSchema = z.custom<ErrorCode>((value) => typeof value === 'string' && isErrorCode(value), 'Not a Flashdeck error code.');
export type { ErrorCode };

/** One of STAGES (contract-values.ts): where a job was when it reported progress or failed. */
export const stageSchema = z.enum(keysOf(STAGES));
export const flashMethodSchema = z.enum(keysOf(FLASH_METHODS));
export const imageKindSchema = z.enum(keysOf(IMAGE_KINDS));
export const simulatedBoardKindSchema = z.enum(keysOf(SIMULATED_BOARD_KINDS));
export const simulatedButtonSchema = z.enum(keysOf(SIMULATED_BUTTONS));

export const errorInfoSchema = z.object({
  code: errorCodeSchema,
  stage: stageSchema,
  message: z.string(),
  hint: z.string().optional(),
  /** Raw facts behind the message (places searched, a tool's output): shown behind "Details". */
  details: z.array(z.string()).optional(),
});
export type ErrorInfoDto = z.infer<typeof errorInfoSchema>;

const boardId = z.string().min(1).max(300);
const portPath = z
  .string()
  .min(1, 'Give the port path, e.g. /dev/ttyUSB0 or COM7.')
  .max(260)
  .refine((path) => !/[\0\n\r]/.test(path), 'A port path cannot contain control characters.');
const base64 = z
  .string()
  .max(64 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Expected base64 data.');

export const boardFamilySchema = z.enum(['esp32', 'nrf52']);

export const boardSchema = z.object({
  id: boardId,
  /** The user's name for it ("Feather #2"), or null for the default label. */
  name: z.string().nullable(),
  path: z.string(),
  /** Present now (listed by the OS, or a manually added path that exists). */
  present: z.boolean(),
  /** Added by path by the user, rather than found on USB. */
  manual: z.boolean(),
  /** A board simulated inside Flashdeck ("Try with a simulated board"), not hardware; absent for real ports. */
  simulated: simulatedBoardKindSchema.optional(),
  vendorId: z.string().optional(),
  productId: z.string().optional(),
  manufacturer: z.string().optional(),
  serialNumber: z.string().optional(),
  /** TinyGo target the user pinned (the board model picked from the catalogue), or null. */
  target: z.string().nullable(),
  /** The chip a flash read from this board ("ESP32", described "ESP32 (revision v3.1)"), kept across restarts; null until one did. */
  detected: z.object({ chip: z.string(), description: z.string(), at: z.number() }).nullable(),
  guess: z.object({
    /** chip: the chip is known (detected), the board model is not. */
    confidence: z.enum(['exact', 'several', 'bridge', 'chip', 'unknown']),
    mode: z.enum(['application', 'bootloader', 'unknown']),
    targets: z.array(z.string()),
    label: z.string(),
    chip: z.string().optional(),
    family: boardFamilySchema.optional(),
  }),
});
export type Board = z.infer<typeof boardSchema>;

export const boardModelSchema = z.object({
  target: z.string(),
  name: z.string(),
  family: boardFamilySchema,
  chip: z.string(),
  flashMethod: flashMethodSchema,
  outputFormat: z.enum(OUTPUT_FORMATS),
  led: z.string().nullable(),
});
export type BoardModelDto = z.infer<typeof boardModelSchema>;

export const settingsSchema = z.object({
  /** Explicit path to the tinygo executable; null = search PATH and the usual places. */
  tinygoPath: z.string().max(4096).nullable(),
  defaultBaud: z.number().int().min(50).max(12_000_000),
  theme: z.enum(keysOf(THEMES)),
  /** Console scrollback, in lines. */
  scrollbackLines: z.number().int().min(1000).max(5_000_000),
  /** ESP flashing baud after sync (falls back to 115200 when the switch fails). */
  espFlashBaud: z.number().int().min(9600).max(4_000_000),
});
export type Settings = z.infer<typeof settingsSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'serve', 'cli']),
  platform: z.string(),
  dataDir: z.string(),
  /** Linux: whether this user can open serial ports (member of dialout/uucp), with the group name. */
  serialAccess: z.object({ ok: z.boolean(), group: z.string().nullable(), hint: z.string().nullable() }),
  /** Whether this app can start simulated boards (the window and serve mode can; the command line cannot). */
  simulators: z.boolean(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

/** A file the user dropped: its path (Electron, or a path typed by the user) or its bytes (browser). */
export const fileRefSchema = z.union([z.object({ path: z.string().min(1).max(4096) }).strict(), z.object({ name: z.string().min(1).max(255), dataBase64: base64 }).strict()]);
export type FileRef = z.infer<typeof fileRefSchema>;

export const imageProblemSchema = z.object({ code: errorCodeSchema, severity: z.enum(SEVERITIES), message: z.string() });
export type ImageProblem = z.infer<typeof imageProblemSchema>;

/** What Flashdeck makes of a dropped file for a given board, before anything is written. */
export const imageSummarySchema = z.object({
  fileName: z.string(),
  size: z.number().int(),
  family: boardFamilySchema.nullable(),
  kind: imageKindSchema,
  chip: z.string().nullable(),
  /** How it would be flashed on this board (null when no method fits). */
  method: flashMethodSchema.nullable(),
  /** Flash address Flashdeck would use, or null when the user must choose one. */
  offset: z.number().int().nullable(),
  /** Errors block flashing unless the user confirms "flash anyway" (where that is safe to offer). */
  problems: z.array(imageProblemSchema),
  /** Whether the blocking problems may be overridden with force: true. */
  overridable: z.boolean(),
  /** ESP app images: the header's facts, as the ROM checks them. */
  espImage: z.object({ entry: z.number().int(), segments: z.number().int(), checksumOk: z.boolean(), sha256Ok: z.boolean().nullable() }).optional(),
  /** nRF52 images: the flash range the data covers and how many bytes that is (not the file's size). */
  writes: z.object({ start: z.number().int(), end: z.number().int(), bytes: z.number().int() }).optional(),
  /** The SoftDevice an nRF52 image is linked after ("S140 6.1.1"), or "none". */
  softDevice: z.string().optional(),
  /** A UF2 file's family ID, and the chip it names when Flashdeck knows it. */
  uf2Family: z.object({ id: z.number().int(), chip: z.string().nullable() }).optional(),
});
export type ImageSummary = z.infer<typeof imageSummarySchema>;

export const flashProgressSchema = z.object({
  stage: stageSchema,
  bytesDone: z.number(),
  bytesTotal: z.number(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  percent: z.number().optional(),
  message: z.string().optional(),
});

export const flashOutcomeSchema = z.object({
  bytesWritten: z.number(),
  verifiedBy: z.enum(VERIFICATION_METHODS),
  details: z.record(z.string(), z.string()),
});
export type FlashOutcomeDto = z.infer<typeof flashOutcomeSchema>;

export const flashRecordSchema = z.object({
  id: z.number().int(),
  startedAt: z.number(),
  durationMs: z.number(),
  ok: z.boolean(),
  /** Null when not known (an attempt recorded without one, or by another Flashdeck version). */
  method: flashMethodSchema.nullable(),
  fileName: z.string(),
  /** The file's size. */
  bytes: z.number(),
  /** Bytes of flash the image occupies (a HEX or UF2 file carries less data than its size); null when not known (`tinygo flash`, older records). */
  flashBytes: z.number().nullable(),
  verifiedBy: z.enum(VERIFICATION_METHODS).nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  /** SHA-256 of the image written (null for `tinygo flash` and attempts recorded before it was kept). */
  artifactSha256: z.string().nullable(),
});
export type FlashRecord = z.infer<typeof flashRecordSchema>;

// ── Console and telemetry (port sessions) ────────────────────────────────────────────────────

export const consoleStateSchema = z.enum(['closed', 'opening', 'connected', 'waiting-for-board', 'reconnecting', 'paused-for-flash', 'error']);
export type ConsoleState = z.infer<typeof consoleStateSchema>;

export const lineEndingSchema = z.enum(keysOf(LINE_ENDINGS));
export type LineEnding = z.infer<typeof lineEndingSchema>;

export const consoleSettingsSchema = z.object({
  baudRate: z.number().int().min(50).max(12_000_000),
  dataBits: z.literal(CONSOLE_DATA_BITS),
  parity: z.enum(CONSOLE_PARITIES),
  stopBits: z.literal(CONSOLE_STOP_BITS),
  flowControl: z.enum(keysOf(CONSOLE_FLOW_CONTROLS)),
  lineEnding: lineEndingSchema,
  /** Per-line host timestamps in the view. */
  timestamps: z.enum(keysOf(CONSOLE_TIMESTAMPS)),
  hexView: z.boolean(),
});
export type ConsoleSettings = z.infer<typeof consoleSettingsSchema>;

export const consoleStatusSchema = z.object({
  boardId,
  state: consoleStateSchema,
  /** The OS path the session uses now (it can change after a USB-CDC reset). */
  path: z.string(),
  settings: consoleSettingsSchema,
  signals: z.object({ dtr: z.boolean(), rts: z.boolean() }),
  /** Folder of the rotating raw log, and the file being written now. */
  logging: z.object({ directory: z.string().nullable(), file: z.string().nullable() }),
  /** Sent lines, oldest first, persisted per board. */
  history: z.array(z.string()),
  /** What "Reset board" does on this board, in words. */
  resetDescription: z.string(),
  /** The last build's ELF for this board, used to resolve panic addresses. */
  elfPath: z.string().nullable(),
  error: errorInfoSchema.optional(),
  detail: z.string().optional(),
});
export type ConsoleStatus = z.infer<typeof consoleStatusSchema>;

/**
 * Hot event payloads skip the base64 regex: main produces them itself. Measured on a 16 KB console
 * batch: 70 µs with the regex vs 5 µs without (4.4 vs 0.3 ms of CPU per second at 1 MB/s).
 */
const base64Trusted = z.string();

export const panicReportSchema = z.object({
  boardId,
  /** Host time (ms since epoch) of the panic line. */
  t: z.number(),
  line: z.string(),
  address: z.string(),
  message: z.string(),
  /** Function and source position, when the ELF and a symbolizer were available. */
  resolved: z.object({ function: z.string(), file: z.string(), line: z.number().int() }).nullable(),
  /** Why it was not resolved, or which tool resolved it. */
  note: z.string(),
});
export type PanicReport = z.infer<typeof panicReportSchema>;

// ── TinyGo builds, programs and size history ─────────────────────────────────────────────────

export const toolchainHealthSchema = z.object({
  /** The TinyGo path in Settings this check was made for (null: search PATH and the usual places). */
  requestedPath: z.string().nullable(),
  ok: z.boolean(),
  tinygoPath: z.string().nullable(),
  source: z.string().nullable(),
  version: z.string().nullable(),
  goVersion: z.string().nullable(),
  llvmVersion: z.string().nullable(),
  host: z.string().nullable(),
  tinygoRoot: z.string().nullable(),
  goRoot: z.string().nullable(),
  problems: z.array(errorInfoSchema),
});
export type ToolchainHealthDto = z.infer<typeof toolchainHealthSchema>;

export {
  BUDGET_KINDS,
  BUILD_LOG_KEPT_LINES,
  GC_KINDS,
  HISTORY_EXPORT_FORMATS,
  MAX_BUILD_TAGS,
  MAX_EXPERIMENT_VARIANTS,
  MAX_LINKER_VARIABLES,
  OPT_LEVELS,
  PANIC_STRATEGIES,
  SCHEDULERS,
  SERIAL_KINDS,
} from './contract-values';
export type { BudgetKind, GcKind, HistoryExportFormat, OptLevel, PanicStrategy, Scheduler, SerialKind } from './contract-values';

const goIdentifierPath = z.string().regex(/^[A-Za-z0-9_./-]*[A-Za-z0-9_]\.[A-Za-z_][A-Za-z0-9_]*$/, 'Use a package-qualified variable such as main.periodMs.');
/**
 * Every value is checked so nothing can smuggle an extra flag into tinygo's argument list; the build
 * runner validates with this same schema.
 */
export const buildFlagsSchema = z
  .object({
    opt: z.enum(OPT_LEVELS).optional(),
    gc: z.enum(GC_KINDS).optional(),
    scheduler: z.enum(SCHEDULERS).optional(),
    panic: z.enum(PANIC_STRATEGIES).optional(),
    serial: z.enum(SERIAL_KINDS).optional(),
    noDebug: z.boolean().optional(),
    /** Goroutine stack size, e.g. "8kb", "4096". */
    stackSize: z
      .string()
      .regex(/^\d{1,9}(?:[kKmM]?[bB]?|[kKmM]i[bB])?$/, 'A size such as 4096, 8kb or 16KB.')
      .optional(),
    tags: z
      .array(z.string().regex(/^[A-Za-z0-9_.]+$/, 'Letters, digits, "_" and "." only.'))
      .max(MAX_BUILD_TAGS)
      .optional(),
    /** `-ldflags "-X name=value"` entries, e.g. {name: "main.periodMs", value: "250"}. */
    ldflags: z
      .array(
        z
          .object({
            name: goIdentifierPath,
            // TinyGo splits the whole -ldflags string with shell rules: values keep to characters
            // that need no quoting, so a value can never become another linker flag.
            value: z
              .string()
              .regex(/^[A-Za-z0-9_.:,+@%=/-]*$/, 'No spaces or quotes in -X values.')
              .max(200),
          })
          .strict(),
      )
      .max(MAX_LINKER_VARIABLES)
      .optional(),
  })
  .strict();
export type BuildFlagsDto = z.infer<typeof buildFlagsSchema>;

/** What to build: a bundled program, a folder or .go file on this machine, or an uploaded .go file. */
export const buildSourceSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('program'),
      program: z
        .string()
        .regex(/^[a-z0-9-]+$/)
        .max(60),
    })
    .strict(),
  z.object({ kind: z.literal('path'), path: z.string().min(1).max(4096) }).strict(),
  z.object({ kind: z.literal('upload'), name: z.string().regex(/^[A-Za-z0-9_.-]+\.go$/, 'Upload a single .go file.'), dataBase64: base64 }).strict(),
]);
export type BuildSource = z.infer<typeof buildSourceSchema>;

export const sizeTableSchema = z.object({
  format: z.enum(['short', 'full']),
  code: z.number(),
  rodata: z.number().nullable(),
  data: z.number(),
  bss: z.number(),
  flash: z.number(),
  ram: z.number(),
  packages: z.array(z.object({ name: z.string(), kind: z.string(), code: z.number(), rodata: z.number(), data: z.number(), bss: z.number(), flash: z.number(), ram: z.number() })),
});

export const diagnosticSchema = z.object({
  severity: z.enum(SEVERITIES),
  kind: z.enum(DIAGNOSTIC_KINDS),
  message: z.string(),
  file: z.string().optional(),
  line: z.number().optional(),
  column: z.number().optional(),
  package: z.string().optional(),
  region: z.string().optional(),
  /** ELF section the linker named for an overflow (".text", ".bss"…). */
  section: z.string().optional(),
  /** For an overflow, the largest figure the linker printed for the region. */
  overflowBytes: z.number().optional(),
  /** The linker stopped at its error limit: the region is at least overflowBytes too small. */
  overflowLowerBound: z.boolean().optional(),
  hint: z.string().optional(),
});

export const budgetKindSchema = z.enum(BUDGET_KINDS);

/** A limit a build (flash, ram) or a running session (heap: minimum free) went past. */
export const budgetBreachSchema = z.object({
  kind: budgetKindSchema,
  /** The budget in bytes: most flash / static RAM used, or least free heap. */
  limitBytes: z.number().int(),
  /** What the build used (flash, ram) or the lowest free heap seen (heap). */
  actualBytes: z.number().int(),
  /** How far past the budget, in bytes (always positive). */
  overBytes: z.number().int(),
  /** The breach in a sentence, as the build log and the window show it. */
  message: z.string(),
});
export type BudgetBreach = z.infer<typeof budgetBreachSchema>;

export const buildSummarySchema = z.object({
  buildId: z.string(),
  boardId,
  program: z.string(),
  target: z.string(),
  ok: z.boolean(),
  cancelled: z.boolean(),
  artifactPath: z.string().nullable(),
  artifactBytes: z.number().nullable(),
  sizes: sizeTableSchema.nullable(),
  diagnostics: z.array(diagnosticSchema),
  error: errorInfoSchema.nullable(),
  durationMs: z.number(),
  tinygoVersion: z.string().nullable(),
  args: z.array(z.string()),
  /** Set when a flash job was started with the artifact. */
  flashJobId: z.string().nullable(),
  /** The build's row in the size history (null when it was cancelled before it could be recorded). */
  historyId: z.number().int().nullable(),
  /** Budgets of this board and program the build is over (also written to its log). */
  overBudget: z.array(budgetBreachSchema),
  /** The flag experiment this build belongs to. */
  experimentId: z.number().int().nullable(),
});
export type BuildSummary = z.infer<typeof buildSummarySchema>;

export const sizeHistoryRowSchema = z.object({
  id: z.number().int(),
  startedAt: z.number(),
  program: z.string(),
  /** Folder or file the program was built from (null for builds recorded before it was kept). */
  programPath: z.string().nullable(),
  /** Commit of the program's git repository, and whether its working tree had changes; null outside a repository. */
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  target: z.string(),
  ok: z.boolean(),
  tinygoVersion: z.string().nullable(),
  /** The build options as JSON (BuildFlagsDto). */
  flags: z.string(),
  /** The same options as tinygo arguments ("-opt=s", "-gc=leaking"): how the window shows them. */
  flagArgs: z.array(z.string()),
  /** short: code includes rodata (TinyGo folds them) and rodata is null; full: per-package rows exist. */
  sizeFormat: z.enum(['short', 'full']).nullable(),
  code: z.number().nullable(),
  rodata: z.number().nullable(),
  data: z.number().nullable(),
  bss: z.number().nullable(),
  flash: z.number().nullable(),
  ram: z.number().nullable(),
  artifactBytes: z.number().nullable(),
  artifactSha256: z.string().nullable(),
  overflowRegion: z.string().nullable(),
  overflowBytes: z.number().nullable(),
  /** The linker stopped at its error limit: the region is at least overflowBytes too small. */
  overflowLowerBound: z.boolean(),
  error: z.string().nullable(),
  /** The flag experiment that made this build. */
  experimentId: z.number().int().nullable(),
  /** Lowest free heap telemetry reported while this build ran on the board. */
  minFreeHeap: z.number().int().nullable(),
  /** Budgets of this board and program the build is over. */
  overBudget: z.array(budgetBreachSchema),
});
export type SizeHistoryRow = z.infer<typeof sizeHistoryRowSchema>;

const nullableNumbers = z.array(z.number().nullable());
/**
 * The chart's data for one board, column by column (one entry per build, oldest first): cheap to
 * load and check for 10,000 builds. Text that repeats (program, TinyGo version, flags) is an index
 * into its list.
 */
export const historySeriesSchema = z.object({
  ids: z.array(z.number().int()),
  startedAt: z.array(z.number()),
  ok: z.array(z.boolean()),
  code: nullableNumbers,
  rodata: nullableNumbers,
  data: nullableNumbers,
  bss: nullableNumbers,
  flash: nullableNumbers,
  ram: nullableNumbers,
  /** Index into `programs` (a program is its name and the path it was built from). */
  program: z.array(z.number().int()),
  programs: z.array(z.object({ name: z.string(), path: z.string().nullable() })),
  /** Index into `tinygoVersions`. */
  tinygo: z.array(z.number().int()),
  tinygoVersions: z.array(z.string().nullable()),
  /** Index into `flagTexts` (tinygo arguments joined by spaces; "" for the target's defaults). */
  flags: z.array(z.number().int()),
  flagTexts: z.array(z.string()),
});
export type HistorySeries = z.infer<typeof historySeriesSchema>;

const sizeFieldsSchema = z.object({ code: z.number(), rodata: z.number(), data: z.number(), bss: z.number(), flash: z.number(), ram: z.number() });
export const sizePackageRowSchema = sizeFieldsSchema.extend({ name: z.string(), kind: z.string() });
export type SizePackageRow = z.infer<typeof sizePackageRowSchema>;

export const buildDiffSchema = z.object({
  from: sizeHistoryRowSchema,
  to: sizeHistoryRowSchema,
  /** Every package of either build, largest absolute change first. */
  packages: z.array(
    z.object({
      name: z.string(),
      kind: z.string(),
      status: z.enum(['added', 'removed', 'changed', 'same']),
      from: sizeFieldsSchema.nullable(),
      to: sizeFieldsSchema.nullable(),
      delta: sizeFieldsSchema,
    }),
  ),
  totals: z.object({ from: sizeFieldsSchema.partial(), to: sizeFieldsSchema.partial(), delta: sizeFieldsSchema.partial() }),
  /** Sentences naming what else differs: TinyGo version, flags, commit, target, program. */
  otherDifferences: z.array(z.string()),
  /** Set when a build has no per-package rows (built with -size=short or failed). */
  note: z.string().nullable(),
});
export type BuildDiff = z.infer<typeof buildDiffSchema>;

const capacityRegionSchema = z.object({
  /** Linker-script region name (FLASH_TEXT, RAM, IROM, DRAM…). */
  region: z.string(),
  origin: z.number().int(),
  bytes: z.number().int(),
});
/** What the program may use on the board: the application's flash region and the RAM the linker can use. */
export const boardCapacitySchema = z.object({
  target: z.string(),
  flash: capacityRegionSchema,
  ram: capacityRegionSchema,
  /** tinygo: read from the installed TinyGo's linker script; catalogue: Flashdeck's table (TinyGo not installed or script unreadable). */
  source: z.enum(['tinygo', 'catalogue']),
  /** Where the figures come from, in words (the linker script's path, or the catalogue entry's source). */
  sourceNote: z.string(),
});
export type BoardCapacity = z.infer<typeof boardCapacitySchema>;

/** What the bench overview shows of a board beyond its live state: its last flash and its newest build's sizes against the capacity of that build's target. */
export const boardOverviewSchema = z.object({
  boardId,
  lastFlash: flashRecordSchema.nullable(),
  latestBuild: sizeHistoryRowSchema.nullable(),
  capacity: boardCapacitySchema.nullable(),
});
export type BoardOverview = z.infer<typeof boardOverviewSchema>;

export const budgetsSchema = z.object({ flash: z.number().int().nullable(), ram: z.number().int().nullable(), heap: z.number().int().nullable() });
export type Budgets = z.infer<typeof budgetsSchema>;

export const experimentSchema = z.object({
  id: z.number().int(),
  boardId,
  target: z.string(),
  program: z.string(),
  createdAt: z.number(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  variants: z.array(buildFlagsSchema),
  /** The builds made so far, in variant order. */
  builds: z.array(sizeHistoryRowSchema),
});
export type Experiment = z.infer<typeof experimentSchema>;

// ── Telemetry sessions ───────────────────────────────────────────────────────────────────────

/** Plotter samples, column-aligned: t in ms since epoch, one value (or null) per t per series; Teleplot units where given. */
export const telemetryBatchDataSchema = z.object({
  t: z.array(z.number()),
  series: z.record(z.string(), z.array(z.number().nullable())),
  units: z.record(z.string(), z.string()).optional(),
});
export type TelemetryBatchData = z.infer<typeof telemetryBatchDataSchema>;

export const telemetrySessionInfoSchema = z.object({
  id: z.number().int(),
  boardId: z.string(),
  startedAt: z.number(),
  /** Time of the last sample written (a session cut short by a crash ends there). */
  endedAt: z.number(),
  /** Ended by the user (console closed, board flashed); false while recording or after a crash. */
  closed: z.boolean(),
  samples: z.number().int(),
  heapCapacity: z.number().nullable(),
  peakHeapInuse: z.number().nullable(),
  /** Lowest free heap seen (bytes): what the size-history budgets check. */
  minFreeHeap: z.number().nullable(),
  /** The build whose artifact the board's last verified flash wrote, when known. */
  build: z.object({ id: z.number().int(), program: z.string(), startedAt: z.number(), ram: z.number().nullable() }).nullable(),
});
export type TelemetrySessionInfo = z.infer<typeof telemetrySessionInfoSchema>;

/** The figures a heap view sets the heap against: the board's RAM and the running build's static RAM. */
export const heapBudgetSchema = z.object({
  chip: z.string().nullable(),
  /** On-chip SRAM (bytes) per the chip's datasheet; null when the chip is unknown. */
  boardRamBytes: z.number().nullable(),
  build: z.object({ id: z.number().int(), program: z.string(), startedAt: z.number(), ram: z.number().nullable() }).nullable(),
  /** Why no build is shown, as a sentence. */
  buildNote: z.string().nullable(),
});
export type HeapBudget = z.infer<typeof heapBudgetSchema>;

export const programInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  variables: z.array(
    z.object({ name: z.string(), label: z.string(), description: z.string(), defaultValue: z.string(), pattern: z.string().optional(), choices: z.array(z.string()).optional() }),
  ),
  requiresLed: z.boolean(),
  console: z.string(),
  /** Shown only where they apply (resources/programs/catalogue.ts ProgramNote): chips, targets, TinyGo versions. */
  notes: z.array(z.object({ text: z.string(), chips: z.array(z.string()).optional(), targets: z.array(z.string()).optional(), tinygoBelow: z.string().optional() })),
});
export type ProgramInfo = z.infer<typeof programInfoSchema>;

export const allocationSchema = z.object({
  /** Null where TinyGo printed no position. */
  file: z.string().nullable(),
  line: z.number().optional(),
  column: z.number().optional(),
  endLine: z.number().optional(),
  reason: z.string(),
  detail: z.string(),
  escapesAtLine: z.number().optional(),
});

// ── Requests ─────────────────────────────────────────────────────────────────────────────────

const empty = z.object({}).strict();

const buildLogLineSchema = z.object({ stream: z.enum(['stdout', 'stderr', 'info']), text: z.string(), atMs: z.number() });

const buildStateSchema = z.object({
  buildId: z.string(),
  boardId,
  program: z.string(),
  state: z.enum(keysOf(BUILD_STATES)),
  position: z.number().int(),
});

const flashFinishedSchema = z.object({
  jobId: z.string(),
  boardId,
  fileName: z.string(),
  ok: z.boolean(),
  outcome: flashOutcomeSchema.optional(),
  error: errorInfoSchema.optional(),
  /** The board as it came back after flashing, when that is another identity (bootloader → app port). */
  returnedBoardId: boardId.optional(),
});

/** Each board's latest flash job as main knows it: for a window that (re)connects mid-job. */
const flashJobSnapshotSchema = z.object({ boardId, jobId: z.string(), fileName: z.string(), running: z.boolean(), finished: flashFinishedSchema.nullable() });
const ok = z.object({ ok: z.literal(true) });

export const requests = {
  'app.info': { args: empty, result: appInfoSchema },

  'boards.list': { args: empty, result: z.array(boardSchema) },
  'boards.addByPath': {
    args: z.object({ path: portPath, name: z.string().trim().max(80).optional() }).strict(),
    result: boardSchema,
  },
  'boards.update': {
    args: z
      .object({
        boardId,
        name: z.string().trim().max(80).nullable().optional(),
        target: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'A TinyGo target name looks like "feather-nrf52840".')
          .max(100)
          .nullable()
          .optional(),
      })
      .strict(),
    result: boardSchema,
  },
  'boards.forget': { args: z.object({ boardId }).strict(), result: ok },
  /** For the bench overview: each listed board's last flash and newest build's headroom (live state comes with events). */
  'boards.overview': { args: empty, result: z.array(boardOverviewSchema) },
  'simulator.start': { args: z.object({ kind: simulatedBoardKindSchema }).strict(), result: boardSchema },
  'simulator.press': { args: z.object({ boardId, button: simulatedButtonSchema }).strict(), result: z.object({ ok: z.literal(true), description: z.string() }) },
  /** A sample program made for the simulated board (heap telemetry), to flash without a toolchain. */
  'simulator.sample': { args: z.object({ boardId }).strict(), result: fileRefSchema },
  'catalogue.list': { args: empty, result: z.array(boardModelSchema) },

  'flash.inspect': { args: z.object({ boardId, file: fileRefSchema }).strict(), result: imageSummarySchema },
  'flash.start': {
    args: z
      .object({
        boardId,
        file: fileRefSchema,
        /** Flash address for raw images (ESP) or a .bin's load address (nRF52). */
        offset: z.number().int().min(0).max(0x4000_0000).optional(),
        /** The user confirmed "flash anyway" for an overridable problem (e.g. chip mismatch). */
        force: z.boolean().optional(),
        /** ESP: erase the whole chip first (default: only the sectors written). */
        eraseAll: z.boolean().optional(),
      })
      .strict(),
    result: z.object({ jobId: z.string() }),
  },
  'flash.cancel': { args: z.object({ jobId: z.string().max(100) }).strict(), result: ok },
  'flash.history': { args: z.object({ boardId, limit: z.number().int().min(1).max(500).optional() }).strict(), result: z.array(flashRecordSchema) },
  'flash.jobs': { args: empty, result: z.array(flashJobSnapshotSchema) },

  'console.open': { args: z.object({ boardId, settings: consoleSettingsSchema.partial().optional() }).strict(), result: consoleStatusSchema },
  'console.close': { args: z.object({ boardId }).strict(), result: ok },
  'console.send': {
    args: z.object({ boardId, dataBase64: base64, historyEntry: z.string().max(4096).optional() }).strict(),
    result: z.object({ ok: z.literal(true), bytes: z.number().int() }),
  },
  'console.setSignals': { args: z.object({ boardId, dtr: z.boolean().optional(), rts: z.boolean().optional() }).strict(), result: consoleStatusSchema },
  'console.reset': { args: z.object({ boardId }).strict(), result: z.object({ ok: z.literal(true), description: z.string() }) },
  'console.configure': { args: z.object({ boardId, settings: consoleSettingsSchema.partial() }).strict(), result: consoleStatusSchema },
  'console.setLogging': { args: z.object({ boardId, directory: z.string().min(1).max(4096).nullable() }).strict(), result: consoleStatusSchema },
  'console.status': { args: z.object({ boardId }).strict(), result: consoleStatusSchema },
  /** Electron: the OS folder picker for "Log to file". supported=false in browser mode (type a path there). */
  'console.pickLogFolder': { args: z.object({ boardId }).strict(), result: z.object({ supported: z.boolean(), directory: z.string().nullable() }) },

  'toolchain.health': { args: z.object({ refresh: z.boolean().optional() }).strict(), result: toolchainHealthSchema },
  'toolchain.targets': { args: empty, result: z.array(z.string()) },
  'programs.list': { args: empty, result: z.array(programInfoSchema) },
  'build.start': {
    args: z.object({ boardId, source: buildSourceSchema, flags: buildFlagsSchema.optional(), flash: z.boolean().optional() }).strict(),
    result: z.object({ buildId: z.string() }),
  },
  'build.cancel': { args: z.object({ buildId: z.string().max(100) }).strict(), result: ok },
  /** Each board's latest build as announced: its state, and its summary once finished (for a window that connects mid-build). */
  'build.jobs': {
    args: empty,
    result: z.array(
      buildStateSchema.extend({
        summary: buildSummarySchema.nullable(),
        /** The build's log lines as sent so far (the last BUILD_LOG_KEPT_LINES of them). */
        log: z.array(buildLogLineSchema),
        /** Number of the first line in `log`: lines before it were sent but not kept. */
        logFrom: z.number().int().min(0),
      }),
    ),
  },
  'build.allocReport': {
    args: z
      .object({
        boardId,
        source: buildSourceSchema,
        flags: buildFlagsSchema.optional(),
        pattern: z
          .string()
          .regex(/^[^\s-][^\s]{0,199}$/)
          .optional(),
      })
      .strict(),
    result: z.object({
      ok: z.boolean(),
      allocations: z.array(allocationSchema),
      diagnostics: z.array(diagnosticSchema),
      error: errorInfoSchema.nullable(),
      note: z.string().nullable(),
      durationMs: z.number(),
    }),
  },
  /** The chart's series: the board's last `limit` builds, oldest first. */
  'history.sizes': { args: z.object({ boardId, limit: z.number().int().min(1).max(20_000).optional() }).strict(), result: z.array(sizeHistoryRowSchema) },
  /** The chart: the board's last `limit` builds as columns, oldest first. */
  'history.series': { args: z.object({ boardId, limit: z.number().int().min(1).max(20_000).optional() }).strict(), result: historySeriesSchema },
  'history.build': { args: z.object({ buildId: z.number().int() }).strict(), result: sizeHistoryRowSchema.nullable() },
  /** The table: one page of builds, newest first, with filters; and what the filters can offer. */
  'history.builds': {
    args: z
      .object({
        boardId,
        program: z.string().max(200).optional(),
        target: z.string().max(100).optional(),
        /** Builds whose tinygo arguments include this text, e.g. "-gc=leaking". */
        flags: z.string().max(200).optional(),
        /** true: failed builds only; false: successful only. */
        failed: z.boolean().optional(),
        experimentId: z.number().int().optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(500).optional(),
      })
      .strict(),
    result: z.object({ rows: z.array(sizeHistoryRowSchema), total: z.number().int(), programs: z.array(z.string()), targets: z.array(z.string()) }),
  },
  'history.packages': { args: z.object({ buildId: z.number().int() }).strict(), result: z.array(sizePackageRowSchema) },
  'history.diff': { args: z.object({ fromBuildId: z.number().int(), toBuildId: z.number().int() }).strict(), result: buildDiffSchema },
  /** The board's whole history (builds and their packages) as CSV or JSON text; the window saves it. */
  'history.export': {
    args: z.object({ boardId, format: z.enum(HISTORY_EXPORT_FORMATS) }).strict(),
    result: z.object({ fileName: z.string(), mimeType: z.string(), text: z.string(), builds: z.number().int() }),
  },
  'history.capacity': { args: z.object({ boardId }).strict(), result: boardCapacitySchema.nullable() },
  'budgets.get': { args: z.object({ boardId, program: z.string().min(1).max(200) }).strict(), result: budgetsSchema },
  'budgets.set': {
    args: z.object({ boardId, program: z.string().min(1).max(200), kind: budgetKindSchema, bytes: z.number().int().min(0).max(1_000_000_000).nullable() }).strict(),
    result: budgetsSchema,
  },
  /** Builds one program across the picked flag variants, one after another (build events per variant, experiment.progress overall). */
  'experiments.start': {
    args: z.object({ boardId, source: buildSourceSchema, variants: z.array(buildFlagsSchema).min(1).max(MAX_EXPERIMENT_VARIANTS) }).strict(),
    result: z.object({ experimentId: z.number().int() }),
  },
  'experiments.cancel': { args: z.object({ experimentId: z.number().int() }).strict(), result: ok },
  'experiments.list': { args: z.object({ boardId }).strict(), result: z.array(experimentSchema.omit({ builds: true }).extend({ builds: z.number().int() })) },
  'experiments.get': { args: z.object({ experimentId: z.number().int() }).strict(), result: experimentSchema },
  'telemetry.sessions': { args: z.object({ boardId, limit: z.number().int().min(1).max(1000).optional() }).strict(), result: z.array(telemetrySessionInfoSchema) },
  'telemetry.session': {
    /** `whole`: every sample, never thinned (for an export). */
    args: z.object({ sessionId: z.number().int().min(1), whole: z.boolean().optional() }).strict(),
    /** `thinnedFrom`: the session's sample count when `batch` holds fewer (a long session keeps each stretch's first, lowest and highest values); null when it holds them all. */
    result: z.object({ session: telemetrySessionInfoSchema, batch: telemetryBatchDataSchema, thinnedFrom: z.number().int().nullable() }),
  },
  'telemetry.budget': { args: z.object({ boardId }).strict(), result: heapBudgetSchema },
  'editor.open': {
    args: z.object({ file: z.string().min(1).max(4096), line: z.number().int().min(1).optional(), column: z.number().int().min(1).optional() }).strict(),
    result: z.object({ opened: z.boolean(), how: z.string() }),
  },
  'settings.get': { args: empty, result: settingsSchema },
  'settings.update': { args: settingsSchema.partial().strict(), result: settingsSchema },
} as const;

// ── Events ───────────────────────────────────────────────────────────────────────────────────

export const events = {
  /** The whole board list, whenever anything in it changes (hot-plug, rename, pin). */
  'boards.changed': z.object({ boards: z.array(boardSchema) }),
  'settings.changed': z.object({ settings: settingsSchema }),
  'build.state': buildStateSchema,
  /** `from`: number of the batch's first line in the build's log (0 for the first line), so a window can tell what it missed. */
  'build.log': z.object({ buildId: z.string(), boardId, from: z.number().int().min(0), lines: z.array(buildLogLineSchema) }),
  'build.finished': buildSummarySchema,
  'history.changed': z.object({ boardId }),
  /** A flag experiment moved on: `done` of `total` variants built; `state` running until the last. */
  'experiment.progress': z.object({ experimentId: z.number().int(), boardId, done: z.number().int(), total: z.number().int(), state: experimentSchema.shape.state }),
  /** Console bytes, batched in main (≈16–32 ms). droppedBytes counts bytes main had to discard (must stay 0). */
  'console.data': z.object({ boardId, chunks: z.array(z.object({ t: z.number(), dataBase64: base64Trusted })), droppedBytes: z.number().int().min(0) }),
  'console.state': z.object({
    boardId,
    state: consoleStateSchema,
    error: errorInfoSchema.optional(),
    detail: z.string().optional(),
    path: z.string().optional(),
    /** The board came back under this id (a serial-less board on a new path): its console continues there. */
    movedTo: boardId.optional(),
  }),
  /** A TinyGo panic line, with its address resolved against the board's last ELF where possible. */
  'console.panic': panicReportSchema,
  /** Plotter samples, batched (≈50–100 ms): t in ms since epoch, one value (or null) per t per series. */
  'telemetry.batch': telemetryBatchDataSchema.extend({ boardId }),
  'flash.progress': z.object({ jobId: z.string(), boardId, fileName: z.string(), progress: flashProgressSchema }),
  'flash.finished': flashFinishedSchema,
} as const;

// ── Types the renderer and both adapters share ───────────────────────────────────────────────

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestArgs<N extends RequestName> = z.input<Requests[N]['args']>;
export type RequestResult<N extends RequestName> = z.output<Requests[N]['result']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

/** What a request returns across the boundary: a value or an ErrorInfo, never a thrown exception. */
export type Reply<T> = { ok: true; value: T } | { ok: false; error: ErrorInfoDto };

/** The one API the renderer sees, whatever carries it (Electron preload or WebSocket). */
export interface FlashdeckTransport {
  request(name: string, args: unknown): Promise<Reply<unknown>>;
  subscribe(listener: (event: string, payload: unknown) => void): () => void;
  /** Electron only: the real filesystem path of a dropped File (webUtils.getPathForFile). */
  pathForFile?(file: File): string | null;
}

/** Names of IPC channels the preload and main agree on. */
export const IPC_REQUEST_CHANNEL = 'flashdeck:request';
export const IPC_EVENT_CHANNEL = 'flashdeck:event';

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
