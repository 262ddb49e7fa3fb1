/**
 * Target facts from the installed TinyGo (reference 5.2 / 5.3): the `tinygo targets` list and
 * `tinygo info -json -target=X` (falling back to the text form on versions without -json),
 * cached per TinyGo version so the Boards and Programs tabs do not spawn tinygo every time.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FlashdeckError } from '../../../drivers/common/errors';
import { runTool, type ToolRunner } from './tool-runner';

export interface UsbId {
  /** Lower-case 4-digit hex, e.g. "239a". */
  vid: string;
  pid: string;
}

export interface TargetInfo {
  target: string;
  llvmTriple: string | null;
  goos: string | null;
  goarch: string | null;
  /** Default garbage collector, e.g. "conservative". */
  gc: string | null;
  scheduler: string | null;
  /** none | uart | usb | rtt, from the spec or the `serial.X` build tag. */
  serial: string | null;
  /** `flash-method`, else "command" when only `flash-command` is set; null when unknown. */
  flashMethod: string | null;
  flashCommand: string | null;
  /** VID:PIDs of the port `tinygo flash` looks for (`serial-port`). */
  usbIds: UsbId[];
  /** `serial-port` entries that are not valid VID:PID (e.g. "239a:0x0029"). */
  invalidUsbIds: string[];
  buildTags: string[];
  /** `binary-format`: esp32, esp32c3, esp8266, uf2, nrf-dfu…; null for plain ELF/objcopy. */
  binaryFormat: string | null;
  /** `uf2-family-id`, e.g. "0xADA52840". */
  uf2FamilyId: string | null;
  /** `msd-volume-name`: volume labels of the UF2/MSD bootloader. */
  msdVolumeNames: string[];
  /** `flash-1200-bps-reset`. */
  flash1200BpsReset: boolean;
  defaultStackSize: number | null;
  inheritableOnly: boolean;
  /** `linkerscript`: the target's linker script, relative to TINYGOROOT ("targets/nrf52840-s140v6-uf2.ld"); JSON form only. */
  linkerScript?: string | null;
  /** The cached GOROOT TinyGo prepared, when printed. */
  cachedGoroot: string | null;
  /** Which `info` form produced this. The text form lacks flash and USB facts. */
  source: 'json' | 'text';
}

/** One target name per line (sorted by TinyGo); blank lines and stray text ignored. */
export function parseTargetsList(output: string): string[] {
  return output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(l));
}

export interface TinygoPort {
  port: string;
  /** Lower-case hex, as printed (may be empty for non-USB ports). */
  vid: string;
  pid: string;
  /** Target whose `serial-port` matched, or "" — random among targets sharing a VID:PID. */
  target: string;
}

/**
 * `tinygo ports` (reference 5.4): header `Port                 ID        Boards`, rows
 * `%-20s %4s:%4s %s`, or `No serial ports found.` → [].
 */
export function parseTinygoPorts(output: string): TinygoPort[] {
  const ports: TinygoPort[] = [];
  for (const line of output.split(/\r?\n/)) {
    if (/^Port\s+ID\s+Boards\s*$/.test(line) || /^No serial ports found\.?\s*$/.test(line) || !line.trim()) continue;
    const m = /^(\S(?:.*?\S)?)\s+([0-9A-Fa-f ]{0,4}):([0-9A-Fa-f ]{0,4})(?:\s+(\S.*?))?\s*$/.exec(line);
    if (!m) continue;
    ports.push({ port: m[1], vid: m[2].trim().toLowerCase(), pid: m[3].trim().toLowerCase(), target: m[4] ?? '' });
  }
  return ports;
}

/** "239a:8029" → {vid, pid}; anything else → null. */
export function parseUsbId(text: string): UsbId | null {
  const m = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{4})$/.exec(text.trim());
  return m ? { vid: m[1].toLowerCase(), pid: m[2].toLowerCase() } : null;
}

function tagValue(tags: string[], prefix: string): string | null {
  const tag = tags.find((t) => t.startsWith(prefix));
  return tag ? tag.slice(prefix.length) : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  if (typeof v === 'string' && v) return v.split(/\s+/).filter(Boolean);
  return [];
}

/** `tinygo info -json` output → TargetInfo, or null when it is not that JSON. */
export function parseTargetInfoJson(target: string, output: string): TargetInfo | null {
  let data: Record<string, unknown>;
  try {
    const start = output.indexOf('{');
    if (start < 0) return null;
    data = JSON.parse(output.slice(start));
  } catch {
    return null;
  }
  if (!data || typeof data !== 'object' || typeof data.target !== 'object' || data.target === null) return null;
  const spec = data.target as Record<string, unknown>;
  const buildTags = strings(data.build_tags).length ? strings(data.build_tags) : strings(spec['build-tags']);
  const serialPorts = strings(spec['serial-port']);
  const usbIds: UsbId[] = [];
  const invalidUsbIds: string[] = [];
  for (const entry of serialPorts) {
    const id = parseUsbId(entry);
    if (id) usbIds.push(id);
    else invalidUsbIds.push(entry);
  }
  const flashCommand = str(spec['flash-command']);
  const stack = spec['default-stack-size'];
  return {
    target,
    llvmTriple: str(data.llvm_triple) ?? str(spec['llvm-target']),
    goos: str(data.goos) ?? str(spec.goos),
    goarch: str(data.goarch) ?? str(spec.goarch),
    gc: str(data.garbage_collector) ?? str(spec.gc) ?? tagValue(buildTags, 'gc.'),
    scheduler: str(data.scheduler) ?? str(spec.scheduler) ?? tagValue(buildTags, 'scheduler.'),
    serial: str(spec.serial) ?? tagValue(buildTags, 'serial.'),
    flashMethod: str(spec['flash-method']) ?? (flashCommand ? 'command' : null),
    flashCommand,
    usbIds,
    invalidUsbIds,
    buildTags,
    binaryFormat: str(spec['binary-format']),
    uf2FamilyId: str(spec['uf2-family-id']),
    msdVolumeNames: strings(spec['msd-volume-name']),
    flash1200BpsReset: spec['flash-1200-bps-reset'] === 'true' || spec['flash-1200-bps-reset'] === true,
    defaultStackSize: typeof stack === 'number' ? stack : null,
    inheritableOnly: spec['inheritable-only'] === true,
    linkerScript: str(spec.linkerscript),
    cachedGoroot: str(data.goroot),
    source: 'json',
  };
}

/**
 * Text form: generic `label: value` lines (values aligned at column 20; versions add `GOARM:` or
 * more tags). Returns null when no known label is present.
 */
export function parseTargetInfoText(target: string, output: string): TargetInfo | null {
  const fields = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z ]*?):\s+(.*?)\s*$/.exec(line);
    if (m) fields.set(m[1].toLowerCase(), m[2]);
  }
  if (!fields.has('llvm triple') && !fields.has('build tags') && !fields.has('goos')) return null;
  const buildTags = (fields.get('build tags') ?? '').split(/\s+/).filter(Boolean);
  return {
    target,
    llvmTriple: fields.get('llvm triple') ?? null,
    goos: fields.get('goos') ?? null,
    goarch: fields.get('goarch') ?? null,
    gc: fields.get('garbage collector') ?? tagValue(buildTags, 'gc.'),
    scheduler: fields.get('scheduler') ?? tagValue(buildTags, 'scheduler.'),
    serial: tagValue(buildTags, 'serial.'),
    flashMethod: null,
    flashCommand: null,
    usbIds: [],
    invalidUsbIds: [],
    buildTags,
    binaryFormat: null,
    uf2FamilyId: null,
    msdVolumeNames: [],
    flash1200BpsReset: false,
    defaultStackSize: null,
    inheritableOnly: false,
    cachedGoroot: fields.get('cached goroot') ?? null,
    source: 'text',
  };
}

/** Where target facts are kept between runs. Keys include the TinyGo version. */
export interface TargetCache {
  get(key: string): unknown;
  set(key: string, value: unknown): void | Promise<void>;
}

/** In-memory cache (tests, or a session without a cache dir). */
export class MemoryTargetCache implements TargetCache {
  private readonly entries = new Map<string, unknown>();
  get(key: string): unknown {
    return this.entries.get(key);
  }
  set(key: string, value: unknown): void {
    this.entries.set(key, value);
  }
}

/** A JSON file in the app cache dir, e.g. `<userData>/cache/tinygo-targets.json`. */
export class JsonFileTargetCache implements TargetCache {
  private entries: Record<string, unknown> = {};
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly file: string) {}

  static async open(file: string): Promise<JsonFileTargetCache> {
    const cache = new JsonFileTargetCache(file);
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8'));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) cache.entries = parsed;
    } catch {
      /* missing or corrupt: start empty */
    }
    return cache;
  }

  get(key: string): unknown {
    return this.entries[key];
  }

  set(key: string, value: unknown): Promise<void> {
    this.entries[key] = value;
    const snapshot = JSON.stringify(this.entries);
    // Serialise writes; write-then-rename so a crash never leaves half a file. One failed write
    // fails its own caller only: the next write still runs.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        await mkdir(path.dirname(this.file), { recursive: true });
        const tmp = `${this.file}.${process.pid}.tmp`;
        await writeFile(tmp, snapshot);
        await rename(tmp, this.file);
      });
    return this.writing;
  }
}

export interface TargetServiceOptions {
  tinygoPath: string;
  /** Raw version string from `tinygo version`, the cache key. */
  tinygoVersion: string;
  env?: NodeJS.ProcessEnv;
  run?: ToolRunner;
  cache?: TargetCache;
}

const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/;

/** Lists targets and reads their facts through the installed tinygo, cached per version. */
export class TargetService {
  private readonly run: ToolRunner;
  private readonly cache: TargetCache;

  constructor(private readonly options: TargetServiceOptions) {
    this.run = options.run ?? runTool;
    this.cache = options.cache ?? new MemoryTargetCache();
  }

  /** `tinygo targets`: every buildable board/chip name (chip-only files are not listed). */
  async listTargets(): Promise<string[]> {
    const key = `${this.options.tinygoVersion}\u0000targets`;
    const cached = this.cache.get(key);
    if (Array.isArray(cached) && cached.every((t) => typeof t === 'string')) return cached as string[];
    const result = await this.query(['targets']);
    if (result.exitCode !== 0) throw this.failure('list the targets', result.stderr || result.stdout);
    const targets = parseTargetsList(result.stdout);
    await this.cache.set(key, targets);
    return targets;
  }

  /** `tinygo info` for one target: JSON first; the text form when -json is not understood. */
  async targetInfo(target: string): Promise<TargetInfo> {
    if (!TARGET_NAME.test(target)) {
      throw new FlashdeckError({ code: 'INVALID_TARGET', stage: 'targets', message: `"${target}" is not a TinyGo target name.`, hint: 'Pick a target from the list.' });
    }
    const key = `${this.options.tinygoVersion}\u0000info\u0000${target}`;
    const cached = this.cache.get(key) as TargetInfo | undefined;
    if (cached && typeof cached === 'object' && cached.target === target) return cached;

    const json = await this.query(['info', '-json', `-target=${target}`]);
    let info = json.exitCode === 0 ? parseTargetInfoJson(target, json.stdout) : null;
    if (!info) {
      const complaint = json.stderr + json.stdout;
      if (json.exitCode !== 0 && !/flag provided but not defined|unknown flag|-json/.test(complaint)) {
        throw this.failure(`read target ${target}`, complaint);
      }
      const text = await this.query(['info', target]);
      info = text.exitCode === 0 ? parseTargetInfoText(target, text.stdout) : null;
      if (!info) throw this.failure(`read target ${target}`, text.stderr || text.stdout);
    }
    await this.cache.set(key, info);
    return info;
  }

  private async query(args: string[]) {
    try {
      return await this.run(this.options.tinygoPath, args, { env: this.options.env, timeoutMs: 30_000 });
    } catch (error) {
      throw new FlashdeckError(
        {
          code: 'TINYGO_NOT_RUNNABLE',
          stage: 'targets',
          message: `Could not run ${this.options.tinygoPath}: ${(error as Error).message}`,
          hint: 'Check the TinyGo executable in Settings.',
        },
        { cause: error },
      );
    }
  }

  private failure(what: string, output: string): FlashdeckError {
    const said = output.trim().split(/\r?\n/).filter(Boolean).slice(-3).join(' ');
    const unknownTarget = /could not find|no such file|not found|expected a full LLVM target/i.test(said);
    return new FlashdeckError({
      code: unknownTarget ? 'UNKNOWN_TARGET' : 'TINYGO_QUERY_FAILED',
      stage: 'targets',
      message: `TinyGo could not ${what}${said ? `: ${said}` : '.'}`,
      hint: unknownTarget ? 'This TinyGo version does not know that target; pick one from the list or update TinyGo.' : 'Check the TinyGo executable in Settings, then retry.',
    });
  }
}
