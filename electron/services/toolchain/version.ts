/**
 * `tinygo version` and `tinygo env` output, and which CLI features a given TinyGo version has.
 * Reference: tinygo-cli.md 5.1 (version line), 5.5 (env), 2.6 / 3 / 4.7 (features by version).
 */

export interface TinygoVersion {
  /** As printed, e.g. "0.33.0" or "0.34.0-dev-6e6507bf". */
  raw: string;
  major: number;
  minor: number;
  patch: number;
  /** True for development builds ("-dev…"). */
  dev: boolean;
  /** Host the tinygo binary runs on. */
  os: string;
  arch: string;
  /** e.g. "go1.23.1", or null when TinyGo printed `<unknown>` (the `go` command was not found). */
  goVersion: string | null;
  llvmVersion: string;
}

const VERSION_LINE = /^tinygo version (\S+) (\S+)\/(\S+) \(using go version (\S+) and LLVM version (\S+)\)\s*$/;
const SEMVER = /^v?(\d+)\.(\d+)(?:\.(\d+))?(.*)$/;

/** Parses the `tinygo version` line (the first matching line of the output), or null. */
export function parseTinygoVersion(output: string): TinygoVersion | null {
  for (const line of output.split(/\r?\n/)) {
    const m = VERSION_LINE.exec(line.trim());
    if (!m) continue;
    const [, raw, os, arch, go, llvm] = m;
    const numbers = SEMVER.exec(raw);
    if (!numbers) return null;
    return {
      raw,
      major: Number(numbers[1]),
      minor: Number(numbers[2]),
      patch: Number(numbers[3] ?? 0),
      dev: numbers[4].includes('dev'),
      os,
      arch,
      goVersion: go === '<unknown>' ? null : go,
      llvmVersion: llvm,
    };
  }
  return null;
}

type VersionLike = Pick<TinygoVersion, 'major' | 'minor' | 'patch'>;

/** Negative when a < b, 0 when equal, positive when a > b (ignores the dev suffix). */
export function compareVersions(a: VersionLike, b: VersionLike): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

function atLeast(v: VersionLike, major: number, minor: number): boolean {
  return compareVersions(v, { major, minor, patch: 0 }) >= 0;
}

/** What the installed TinyGo's CLI can do; decided from its version, never guessed per call. */
export interface TinygoFeatures {
  /** `-json` on build emits go-build-style events (PR #4862, ≈0.38); before it dumped the config. */
  jsonBuildEvents: boolean;
  /** `-size=full` exists in every version we support; kept as a flag so the runner can fall back. */
  sizeFull: boolean;
  /** `-size=html` (0.35+). */
  sizeHtml: boolean;
  /** Text diagnostics lack the `# pkg` header and use an `error: ` prefix (≤0.32). */
  legacyErrorPrefix: boolean;
  /** `-print-allocs` prints cover-profile lines instead of reasons (0.41 only, reverted in 0.42). */
  printAllocsIsCover: boolean;
  /** `-print-allocs-cover` flag exists (0.42+). */
  printAllocsCoverFlag: boolean;
  /** runtime.MemStats has HeapAlloc/Alloc (0.34+; dev builds of 0.34 included). */
  memStatsHeapAlloc: boolean;
  /** ESP32 flashing built in (espflasher, 0.41+); before it needs esptool.py on PATH. */
  builtinEspFlasher: boolean;
}

export function tinygoFeatures(v: VersionLike & { dev?: boolean }): TinygoFeatures {
  // A "0.34.0-dev" build already has everything merged before it on the dev branch that we key on
  // (HeapAlloc landed in Oct 2024 on 0.34.0-dev), so dev builds count as their own version.
  return {
    jsonBuildEvents: atLeast(v, 0, 38),
    sizeFull: true,
    sizeHtml: atLeast(v, 0, 35),
    legacyErrorPrefix: !atLeast(v, 0, 33),
    printAllocsIsCover: v.major === 0 && v.minor === 41,
    printAllocsCoverFlag: atLeast(v, 0, 42),
    memStatsHeapAlloc: atLeast(v, 0, 34),
    builtinEspFlasher: atLeast(v, 0, 41),
  };
}

/**
 * `tinygo env` prints `KEY="value"` lines with Go %#v quoting (backslashes doubled on Windows);
 * `tinygo env KEY` prints only the bare value. Returns the keys found.
 */
export function parseTinygoEnv(output: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of output.split(/\r?\n/)) {
    const m = /^\s*(?:set\s+)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    const value = m[2].trim();
    env[m[1]] = value.startsWith('"') ? unquoteGoString(value) : value;
  }
  return env;
}

/** Decodes a Go double-quoted string literal (strconv.Quote output). Unknown escapes stay as-is. */
export function unquoteGoString(quoted: string): string {
  const body = quoted.startsWith('"') && quoted.endsWith('"') && quoted.length >= 2 ? quoted.slice(1, -1) : quoted;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const e = body[++i];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case 'x':
        out += String.fromCharCode(parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
        break;
      case 'u':
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
        break;
      case 'U':
        out += String.fromCodePoint(parseInt(body.slice(i + 1, i + 9), 16));
        i += 8;
        break;
      default:
        out += '\\' + e;
    }
  }
  return out;
}
