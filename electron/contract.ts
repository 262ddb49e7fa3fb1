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

  'settings.get': { args: empty, result: settingsSchema },
  'settings.update': { args: settingsSchema.partial().strict(), result: settingsSchema },
} as const;

// ── Events ───────────────────────────────────────────────────────────────────────────────────

export const events = {
  /** The whole board list, whenever anything in it changes (hot-plug, rename, pin). */
  'boards.changed': z.object({ boards: z.array(boardSchema) }),
  'settings.changed': z.object({ settings: settingsSchema }),
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
