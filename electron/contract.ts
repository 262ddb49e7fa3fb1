/**
 * The door between the main process and the renderer: every request with its argument and
 * result schema, every event stream with its payload schema. The Electron preload and the
 * WebSocket server both carry exactly this; the renderer imports only these types and its api.ts.
 *
 * Binary data crosses as base64 strings so the same JSON travels over IPC and WebSocket.
 * Errors cross as ErrorInfo values (code, stage, message, hint).
 */
import { z } from 'zod';

// ── Shared shapes ────────────────────────────────────────────────────────────────────────────

export const errorInfoSchema = z.object({
  code: z.string(),
  stage: z.string(),
  message: z.string(),
  hint: z.string().optional(),
});
export type ErrorInfoDto = z.infer<typeof errorInfoSchema>;

const boardId = z.string().min(1).max(300);
const portPath = z
  .string()
  .min(1, 'Give the port path, e.g. /dev/ttyUSB0 or COM7.')
  .max(260)
  .refine((path) => !/[\0\n\r]/.test(path), 'A port path cannot contain control characters.');
const base64 = z.string().max(64 * 1024 * 1024).regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Expected base64 data.');

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
  vendorId: z.string().optional(),
  productId: z.string().optional(),
  manufacturer: z.string().optional(),
  serialNumber: z.string().optional(),
  /** TinyGo target the user pinned, or null. */
  target: z.string().nullable(),
  guess: z.object({
    confidence: z.enum(['exact', 'several', 'bridge', 'unknown']),
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
  flashMethod: z.string(),
  outputFormat: z.string(),
  led: z.string().nullable(),
});
export type BoardModelDto = z.infer<typeof boardModelSchema>;

export const settingsSchema = z.object({
  /** Explicit path to the tinygo executable; null = search PATH and the usual places. */
  tinygoPath: z.string().max(4096).nullable(),
  defaultBaud: z.number().int().min(50).max(12_000_000),
  theme: z.enum(['system', 'light', 'dark']),
  /** Console scrollback, in lines. */
  scrollbackLines: z.number().int().min(1000).max(5_000_000),
  /** ESP flashing baud after sync (falls back to 115200 when the switch fails). */
  espFlashBaud: z.number().int().min(9600).max(4_000_000),
});
export type Settings = z.infer<typeof settingsSchema>;

export const appInfoSchema = z.object({
  version: z.string(),
  mode: z.enum(['electron', 'serve']),
  platform: z.string(),
  dataDir: z.string(),
  /** Linux: whether this user can open serial ports (member of dialout/uucp), with the group name. */
  serialAccess: z.object({ ok: z.boolean(), group: z.string().nullable(), hint: z.string().nullable() }),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

/** A file the user dropped: its path (Electron, or a path typed by the user) or its bytes (browser). */
export const fileRefSchema = z.union([
  z.object({ path: z.string().min(1).max(4096) }).strict(),
  z.object({ name: z.string().min(1).max(255), dataBase64: base64 }).strict(),
]);
export type FileRef = z.infer<typeof fileRefSchema>;

export const imageProblemSchema = z.object({ code: z.string(), severity: z.enum(['error', 'warning']), message: z.string() });

/** What Flashdeck makes of a dropped file for a given board, before anything is written. */
export const imageSummarySchema = z.object({
  fileName: z.string(),
  size: z.number().int(),
  family: boardFamilySchema.nullable(),
  /** 'tinygo-app', 'merged', 'raw' (ESP); 'hex', 'bin', 'uf2', 'zip-legacy', 'zip-secure', 'elf' (nRF52). */
  kind: z.string(),
  chip: z.string().nullable(),
  /** How it would be flashed on this board: 'esp-serial', 'uf2', 'nrf-legacy-dfu', 'nrf-secure-dfu', … */
  method: z.string().nullable(),
  /** Flash address Flashdeck would use, or null when the user must choose one. */
  offset: z.number().int().nullable(),
  /** Errors block flashing unless the user confirms "flash anyway" (where that is safe to offer). */
  problems: z.array(imageProblemSchema),
  /** Whether the blocking problems may be overridden with force: true. */
  overridable: z.boolean(),
  details: z.record(z.string(), z.string()),
});
export type ImageSummary = z.infer<typeof imageSummarySchema>;

export const flashProgressSchema = z.object({
  stage: z.string(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  bytesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  message: z.string().optional(),
});

export const flashOutcomeSchema = z.object({
  bytesWritten: z.number(),
  verifiedBy: z.string(),
  details: z.record(z.string(), z.string()),
});

export const flashRecordSchema = z.object({
  id: z.number().int(),
  startedAt: z.number(),
  durationMs: z.number(),
  ok: z.boolean(),
  method: z.string(),
  fileName: z.string(),
  bytes: z.number(),
  verifiedBy: z.string().nullable(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
});
export type FlashRecord = z.infer<typeof flashRecordSchema>;

// ── Console and telemetry (port sessions) ────────────────────────────────────────────────────

export const consoleStateSchema = z.enum(['closed', 'opening', 'connected', 'waiting-for-board', 'reconnecting', 'paused-for-flash', 'error']);
export type ConsoleState = z.infer<typeof consoleStateSchema>;

export const lineEndingSchema = z.enum(['none', 'lf', 'cr', 'crlf']);
export type LineEnding = z.infer<typeof lineEndingSchema>;

export const consoleSettingsSchema = z.object({
  baudRate: z.number().int().min(50).max(12_000_000),
  dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]),
  parity: z.enum(['none', 'even', 'odd', 'mark', 'space']),
  stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]),
  flowControl: z.enum(['none', 'rtscts', 'xonxoff']),
  lineEnding: lineEndingSchema,
  /** Per-line host timestamps in the view. */
  timestamps: z.enum(['off', 'relative', 'absolute']),
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

/** Hot event payloads skip the base64 regex: main produces them, and the check costs at 1 MB/s. */
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

// ── Requests ─────────────────────────────────────────────────────────────────────────────────

const empty = z.object({}).strict();
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
        target: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'A TinyGo target name looks like "feather-nrf52840".').max(100).nullable().optional(),
      })
      .strict(),
    result: boardSchema,
  },
  'boards.forget': { args: z.object({ boardId }).strict(), result: ok },
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

  'settings.get': { args: empty, result: settingsSchema },
  'settings.update': { args: settingsSchema.partial().strict(), result: settingsSchema },
} as const;

// ── Events ───────────────────────────────────────────────────────────────────────────────────

export const events = {
  /** The whole board list, whenever anything in it changes (hot-plug, rename, pin). */
  'boards.changed': z.object({ boards: z.array(boardSchema) }),
  'settings.changed': z.object({ settings: settingsSchema }),
  /** Console bytes, batched in main (≈16–32 ms). droppedBytes counts bytes main had to discard (must stay 0). */
  'console.data': z.object({ boardId, chunks: z.array(z.object({ t: z.number(), dataBase64: base64Trusted })), droppedBytes: z.number().int().min(0) }),
  'console.state': z.object({ boardId, state: consoleStateSchema, error: errorInfoSchema.optional(), detail: z.string().optional(), path: z.string().optional() }),
  /** A TinyGo panic line, with its address resolved against the board's last ELF where possible. */
  'console.panic': panicReportSchema,
  /** Plotter samples, batched (≈50–100 ms): t in ms since epoch, one value (or null) per t per series. */
  'telemetry.batch': z.object({ boardId, t: z.array(z.number()), series: z.record(z.string(), z.array(z.number().nullable())) }),
  'flash.progress': z.object({ jobId: z.string(), boardId, fileName: z.string(), progress: flashProgressSchema }),
  'flash.finished': z.object({
    jobId: z.string(),
    boardId,
    fileName: z.string(),
    ok: z.boolean(),
    outcome: flashOutcomeSchema.optional(),
    error: errorInfoSchema.optional(),
  }),
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
