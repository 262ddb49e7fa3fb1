/**
 * What `tinygo build` says when it fails (reference 4): compiler diagnostics in text form (`# pkg`
 * header, `file:line:col: msg`, older `error: ` prefix), linker overflows for any region, undefined
 * symbols, flash-tool failures, the Go version gate, and the `-json` build events of ≥0.38.
 *
 * Overflows come in three wordings: TinyGo's own sentence (≥0.33, FLASH_TEXT and RAM), ld.lld's
 * `section '.text' will not fit in region 'X': overflowed by N bytes` (one line per input section,
 * growing, up to its error limit), and GNU ld's pair `` section `.text' will not fit in region `X' ``
 * + `` region `X' overflowed by N bytes ``. Whatever the wording, one diagnostic per region remains,
 * with the largest figure (as TinyGo reports it), marked as a lower bound when the linker stopped at
 * its error limit.
 */
import type { DiagnosticKind, Severity } from '../../contract-values';

export type { DiagnosticKind };

export interface Diagnostic {
  severity: Severity;
  kind: DiagnosticKind;
  /** The message without position and without `error: ` prefixes. */
  message: string;
  /** As printed: relative to the program directory, or absolute for GOROOT/TINYGOROOT files. */
  file?: string;
  /** `file` resolved against the directory tinygo ran in (set by the build runner), for editors. */
  absoluteFile?: string;
  line?: number;
  column?: number;
  /** Import path from the `# pkg` header (or the JSON event), e.g. "command-line-arguments". */
  package?: string;
  /** Linker region that overflowed: FLASH_TEXT, RAM, IRAM, DRAM, IROM, DROM… */
  region?: string;
  /** ELF section named by a raw ld.lld overflow (".text", ".bss"…). */
  section?: string;
  overflowBytes?: number;
  /**
   * The linker stopped at its error limit ("too many errors emitted") while the overflow was still
   * growing: the region is at least `overflowBytes` too small.
   */
  overflowLowerBound?: boolean;
  /** Symbol the linker could not find. */
  symbol?: string;
  /** Indented continuation lines (`\tgo get …`, `\toptimization guide: …`, `\timports …`). */
  detail?: string[];
  /** What to do about it, when we know better than the message. */
  hint?: string;
}

const OPTIMIZING_GUIDE = 'https://tinygo.org/docs/guides/optimizing-binaries/';

const HEADER = /^# (\S.*)$/;
const POSITION = /^((?:[A-Za-z]:[\\/])?[^:\n]+?):(\d+)(?::(\d+))?: (.*)$/;
const ERROR_PREFIX = /^(?:tinygo:)?error: /;
const FLASH_OVERFLOW = /program too large for this chip \(flash overflowed by (\d+) bytes\)/;
const RAM_OVERFLOW = /program uses too much static RAM on this chip \(RAM overflowed by (\d+) bytes\)/;
const LLD_OVERFLOW = /(?:^|\s|:)ld\.lld(?:\.exe)?: error: section '([^']*)' will not fit in region '([^']+)': overflowed by (\d+) bytes/;
const ANY_REGION_OVERFLOW = /region '([^']+)': overflowed by (\d+) bytes/;
/** ld.lld (any prefix): `ld.lld: error: too many errors emitted, stopping now (use --error-limit=0 …)`. */
const LINKER_ERROR_LIMIT = /too many errors emitted, stopping now/;
/** GNU ld: `<ld>: <output> section `.text' will not fit in region `FLASH_TEXT'` (no figure on this line). */
const GNU_SECTION_WONT_FIT = /section `([^']*)' will not fit in region `([^']+)'\s*$/;
/** GNU ld: `<ld>: region `FLASH_TEXT' overflowed by 9876 bytes` (backquote opening, no colon). */
const GNU_REGION_OVERFLOW = /region `([^']+)' overflowed by (\d+) bytes?/;
/** GNU ld's figure-less announcement before the figure: `<ld>: region RAM overflowed`. */
const GNU_REGION_OVERFLOWED_BARE = /: region \S+ overflowed\s*$/;
const LINKER_MISSING_SYMBOL = /^linker could not find symbol (\S+)$/;
const LLD_UNDEFINED = /ld\.lld(?:\.exe)?: error: undefined symbol: (\S+)/;
const LLD_REFERENCED_BY = /^>>> referenced by (\S+?):(\d+)(?::(\d+))?/;
const LLD_ERROR = /ld\.lld(?:\.exe)?: error: (.*)$/;
const FLASH_FAILED = /^failed to flash (.+): (.+)$/;
const LINK_FAILED = /^failed to link (.+?): (.+)$/;
const TOOL_FAILED = /^failed to run tool: (\S+)$/;
const GO_VERSION_GATE = /requires go version (\S+) through (\S+), got (\S+)/;
const GO_MISSING = /could not find 'go' command: (.*)$/;
const TINYGOROOT = /(?:\$TINYGOROOT was not set to the correct root|could not autodetect root directory)/;
const INHERITABLE_ONLY = /target is inheritable-only/;
const TARGET_PROBLEM = /^(?:unknown output binary format: \S+|could not find target|expected a full LLVM target or a custom target in -target flag)/;

/** Parses text diagnostics (stderr of a failed build, or the `Output` of JSON events). */
export function parseDiagnostics(output: string, defaultPackage?: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  let pkg: string | undefined = defaultPackage;
  let inHeaderBlock = false;
  let last: Diagnostic | undefined;
  // `package X` + `\timports …` lines (import cycles, missing imports) gather into one diagnostic.
  let packageChain: Diagnostic | undefined;
  // GNU ld names the section on one line and gives the region's figure on a later one.
  const gnuSections = new Map<string, Diagnostic>();
  let errorLimitReached = false;

  for (const rawLine of output.split(/\r?\n/)) {
    const line = rawLine.replace(/\s+$/, '');
    if (line === '') {
      inHeaderBlock = false;
      pkg = defaultPackage;
      last = undefined;
      packageChain = undefined;
      continue;
    }
    if (/^\s/.test(line)) {
      const text = line.trim();
      if (packageChain) {
        packageChain.detail!.push(text);
        const cycle = /: (import cycle not allowed.*)$/.exec(text);
        if (cycle) packageChain.message = `${cycle[1]} (${packageChain.detail!.map((d) => d.replace(/^imports /, '').replace(/: import cycle not allowed.*$/, '')).join(' → ')})`;
        continue;
      }
      if (last) (last.detail ??= []).push(text);
      continue;
    }
    const referenced = LLD_REFERENCED_BY.exec(line);
    if (referenced) {
      if (last?.kind === 'undefined-symbol' && last.file === undefined) {
        last.file = referenced[1];
        last.line = Number(referenced[2]);
        if (referenced[3]) last.column = Number(referenced[3]);
      }
      continue;
    }
    if (line.startsWith('>>> ')) continue;
    // Kept as a diagnostic of its own unless an overflow absorbs it as "at least" (dedupeLinkerNoise).
    if (LINKER_ERROR_LIMIT.test(line)) errorLimitReached = true;
    const gnuSection = GNU_SECTION_WONT_FIT.exec(line);
    if (gnuSection) {
      const diagnostic = overflowDiagnostic({ region: gnuSection[2], section: gnuSection[1] });
      gnuSections.set(diagnostic.region!, diagnostic);
      diagnostics.push(diagnostic);
      last = diagnostic;
      continue;
    }
    const gnuRegion = GNU_REGION_OVERFLOW.exec(line);
    if (gnuRegion) {
      const [, region, bytes] = gnuRegion;
      const announced = gnuSections.get(region);
      const diagnostic = overflowDiagnostic({ region, section: announced?.section, bytes: Number(bytes) });
      if (announced) Object.assign(announced, diagnostic);
      else diagnostics.push(diagnostic);
      last = announced ?? diagnostic;
      continue;
    }
    if (GNU_REGION_OVERFLOWED_BARE.test(line)) continue;
    const header = HEADER.exec(line);
    if (header) {
      pkg = header[1];
      inHeaderBlock = true;
      last = undefined;
      continue;
    }
    const chain = /^package (\S+)$/.exec(line);
    if (chain) {
      packageChain = { severity: 'error', kind: 'import', message: line, package: chain[1], detail: [] };
      diagnostics.push(packageChain);
      last = packageChain;
      continue;
    }
    const diagnostic = classifyLine(line, pkg, inHeaderBlock);
    if (diagnostic) {
      diagnostics.push(diagnostic);
      last = diagnostic;
    }
  }
  return dedupeLinkerNoise(largestOverflowPerRegion(diagnostics, errorLimitReached));
}

/** One overflow diagnostic in the linker's (lld) wording, whichever linker printed it. */
function overflowDiagnostic({ region, section, bytes }: { region: string; section?: string; bytes?: number }): Diagnostic {
  const where = section !== undefined ? `section '${section}' will not fit in region '${region}'` : `region '${region}'`;
  return {
    severity: 'error',
    kind: 'link-overflow',
    ...(section !== undefined ? { section } : {}),
    region,
    ...(bytes !== undefined ? { overflowBytes: bytes } : {}),
    message: bytes !== undefined ? `${where}: overflowed by ${bytes} bytes` : where,
    hint: overflowHint(region),
  };
}

/**
 * Older lld prints one line per input section as the overflow grows: keep each region's largest
 * figure (what TinyGo itself reports), in the place of the region's first line. When the linker
 * stopped at its error limit, every figure is only a lower bound. Idempotent, so diagnostics
 * gathered from several streams can go through it again.
 */
export function largestOverflowPerRegion(diagnostics: readonly Diagnostic[], errorLimitReached = false): Diagnostic[] {
  const largest = new Map<string, Diagnostic>();
  for (const d of diagnostics) {
    if (d.kind !== 'link-overflow' || d.region === undefined) continue;
    const known = largest.get(d.region);
    const lowerBound = errorLimitReached || d.overflowLowerBound === true || known?.overflowLowerBound === true;
    const bigger = !known || (d.overflowBytes ?? -1) > (known.overflowBytes ?? -1);
    const chosen = bigger ? d : known;
    largest.set(d.region, lowerBound ? { ...chosen, overflowLowerBound: true } : chosen);
  }
  const placed = new Set<string>();
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    if (d.kind !== 'link-overflow' || d.region === undefined) {
      out.push(d);
    } else if (!placed.has(d.region)) {
      placed.add(d.region);
      out.push(largest.get(d.region)!);
    }
  }
  return out;
}

/** The user's words for an overflow: "FLASH_TEXT is 9,876 bytes too small (section .text does not fit)". */
export function describeOverflow(d: Diagnostic): string {
  const region = d.region ?? 'A memory region';
  const section = d.section !== undefined ? ` (section ${d.section} does not fit)` : '';
  if (d.overflowBytes === undefined) return `${region} is too small for this program${section}; the linker did not say by how much`;
  const bytes = `${d.overflowBytes.toLocaleString('en-US')} byte${d.overflowBytes === 1 ? '' : 's'}`;
  if (d.overflowLowerBound) {
    return `${region} is at least ${bytes} too small${section}; the linker stopped at its error limit, so the full overflow is larger`;
  }
  return `${region} is ${bytes} too small${section}`;
}

function classifyLine(line: string, pkg: string | undefined, inHeaderBlock: boolean): Diagnostic | undefined {
  const withPkg = (d: Diagnostic): Diagnostic => (pkg !== undefined && d.package === undefined ? { ...d, package: pkg } : d);

  let m = FLASH_OVERFLOW.exec(line);
  if (m) {
    return {
      severity: 'error',
      kind: 'link-overflow',
      region: 'FLASH_TEXT',
      overflowBytes: Number(m[1]),
      message: `program too large for this chip (flash overflowed by ${m[1]} bytes)`,
      hint: overflowHint('FLASH_TEXT'),
    };
  }
  m = RAM_OVERFLOW.exec(line);
  if (m) {
    return {
      severity: 'error',
      kind: 'link-overflow',
      region: 'RAM',
      overflowBytes: Number(m[1]),
      message: `program uses too much static RAM on this chip (RAM overflowed by ${m[1]} bytes)`,
      hint: overflowHint('RAM'),
    };
  }
  m = LLD_OVERFLOW.exec(line);
  if (m) return overflowDiagnostic({ region: m[2], section: m[1], bytes: Number(m[3]) });
  m = ANY_REGION_OVERFLOW.exec(line);
  if (m) {
    return {
      severity: 'error',
      kind: 'link-overflow',
      region: m[1],
      overflowBytes: Number(m[2]),
      message: line.replace(ERROR_PREFIX, ''),
      hint: overflowHint(m[1]),
    };
  }
  m = LLD_UNDEFINED.exec(line);
  if (m) return undefinedSymbol(m[1], undefined, undefined, undefined, pkg);

  let text = line.replace(/^exit status \d+: /, '');
  let severity: Diagnostic['severity'] = 'error';
  if (ERROR_PREFIX.test(text)) text = text.replace(ERROR_PREFIX, '');
  else if (text.startsWith('warning: ')) {
    if (/^warning: data incomplete, remove the -no-debug flag/.test(text)) return undefined; // size report note
    severity = 'warning';
    text = text.slice('warning: '.length);
  }

  m = LLD_ERROR.exec(text);
  if (m) return withPkg({ severity, kind: 'link', message: m[1] });
  m = GO_VERSION_GATE.exec(text);
  if (m) {
    return {
      severity,
      kind: 'go-version',
      message: text,
      hint: `This TinyGo supports Go ${m[1]} to ${m[2]} but found ${m[3]}. Install a supported Go version and put it first on PATH, or update TinyGo.`,
    };
  }
  m = GO_MISSING.exec(text);
  if (m) {
    return { severity, kind: 'go-missing', message: text, hint: 'Install Go and put its bin directory on PATH (or set GOROOT), then restart Flashdeck.' };
  }
  if (TINYGOROOT.test(text)) {
    return { severity, kind: 'toolchain', message: text, hint: 'Set TINYGOROOT to the TinyGo installation directory, or reinstall TinyGo.' };
  }
  if (INHERITABLE_ONLY.test(text)) {
    return { severity, kind: 'target', message: text, hint: 'Pick a board target or the "-generic" chip target (e.g. esp32c3-generic) instead.' };
  }
  if (TARGET_PROBLEM.test(text)) return { severity, kind: 'target', message: text };
  m = FLASH_FAILED.exec(text);
  if (m) return { severity, kind: 'flash-tool', message: text, hint: 'The flashing tool failed; check the cable, the port and that no other program holds it, then retry.' };
  m = LINK_FAILED.exec(text);
  if (m) return { severity, kind: 'link', message: text };
  m = TOOL_FAILED.exec(text);
  if (m) return { severity, kind: 'link', message: text };

  m = POSITION.exec(text);
  if (m) {
    const [, file, lineNo, column, rest] = m;
    let message = rest;
    if (message.startsWith('error: ')) message = message.slice(7);
    else if (message.startsWith('warning: ')) {
      severity = 'warning';
      message = message.slice(9);
    }
    const symbol = LINKER_MISSING_SYMBOL.exec(message);
    if (symbol) return undefinedSymbol(symbol[1], file, Number(lineNo), column ? Number(column) : undefined, pkg);
    return withPkg({
      severity,
      kind: 'compile',
      message,
      file,
      line: Number(lineNo),
      ...(column ? { column: Number(column) } : {}),
    });
  }
  // A diagnostic without a position prints only its message, under its package header; the old
  // `error: ` form is a diagnostic wherever it appears.
  if (inHeaderBlock || text !== line) return withPkg({ severity, kind: 'other', message: text });
  return undefined;
}

function undefinedSymbol(symbol: string, file: string | undefined, line: number | undefined, column: number | undefined, pkg: string | undefined): Diagnostic {
  const d: Diagnostic = { severity: 'error', kind: 'undefined-symbol', symbol, message: `linker could not find symbol ${symbol}` };
  if (file !== undefined) d.file = file;
  if (line !== undefined) d.line = line;
  if (column !== undefined) d.column = column;
  if (pkg !== undefined) d.package = pkg;
  if (/\bruntime\.alloc$/.test(symbol)) {
    d.hint =
      'The program allocates on the heap but was built with -gc=none. Pick another garbage collector (conservative, leaking) or remove the allocation (the allocation report shows where it is).';
  } else {
    d.hint = 'A function declared without a body (//go:linkname or //export) has no implementation on this target.';
  }
  return d;
}

function overflowHint(region: string): string {
  const flash = /^(FLASH|FLASH_TEXT|IROM|DROM)$/i.test(region);
  if (flash) return `Make the program smaller: build with -opt=z, avoid fmt (use println), and compare packages in the size report. Guide: ${OPTIMIZING_GUIDE}`;
  if (/^IRAM$/i.test(region))
    return `Code placed in IRAM does not fit: this chip runs the whole program from IRAM in this TinyGo version, so shrink the program (-opt=z, avoid fmt). Guide: ${OPTIMIZING_GUIDE}`;
  return `Static data does not fit in RAM: shrink global arrays and buffers, or lower -stack-size. Guide: ${OPTIMIZING_GUIDE}`;
}

/**
 * Pre-0.33 linkers print the overflow, then `failed to run tool: ld.lld` and `failed to link …`:
 * once the cause is known the two follow-up lines only add noise, so they are dropped. The error-limit
 * line is dropped once an overflow carries it as "at least".
 */
function dedupeLinkerNoise(diagnostics: Diagnostic[]): Diagnostic[] {
  const hasCause = diagnostics.some((d) => d.kind === 'link-overflow' || d.kind === 'undefined-symbol');
  if (!hasCause) return diagnostics;
  const hasOverflow = diagnostics.some((d) => d.kind === 'link-overflow');
  return diagnostics.filter((d) => !(d.kind === 'link' && (/^failed to (?:run tool|link)/.test(d.message) || (hasOverflow && LINKER_ERROR_LIMIT.test(d.message)))));
}

export interface BuildJsonEvent {
  ImportPath?: string;
  Action: string;
  Output?: string;
  StartPos?: string;
  EndPos?: string;
}

export interface ParsedJsonBuildOutput {
  /** Go build -json style events (≥0.38 `-json`). */
  events: BuildJsonEvent[];
  diagnostics: Diagnostic[];
  /** A `build-fail` event was seen. */
  failed: boolean;
  /** stdout lines that were not events (the size table, notices). */
  plainText: string;
  /**
   * A JSON object without `Action` was printed: this TinyGo's `-json` dumps its config (≤0.37)
   * instead of building. The caller should rerun without `-json`.
   */
  configDump: boolean;
}

/** Splits `-json` stdout into events and plain lines, and parses the events' diagnostics. */
export function parseJsonBuildOutput(stdout: string): ParsedJsonBuildOutput {
  const events: BuildJsonEvent[] = [];
  const plain: string[] = [];
  let configDump = false;
  const lines = stdout.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line.startsWith('{')) {
      plain.push(line);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // An indented multi-line JSON object (the old config dump): read to the closing brace.
      const rest = lines.slice(i).join('\n');
      try {
        value = JSON.parse(rest);
        i = lines.length;
      } catch {
        plain.push(line);
        continue;
      }
    }
    if (value && typeof value === 'object' && typeof (value as BuildJsonEvent).Action === 'string') events.push(value as BuildJsonEvent);
    else configDump = true;
  }
  // Diagnostics come as build-output lines per package; parse each package's text together.
  const byPackage = new Map<string, string>();
  for (const event of events) {
    if (event.Action !== 'build-output' || !event.Output) continue;
    const key = event.ImportPath ?? '';
    byPackage.set(key, (byPackage.get(key) ?? '') + event.Output);
  }
  const diagnostics: Diagnostic[] = [];
  for (const [pkg, text] of byPackage) diagnostics.push(...parseDiagnostics(text, pkg || undefined));
  return {
    events,
    diagnostics,
    failed: events.some((e) => e.Action === 'build-fail'),
    plainText: plain.join('\n'),
    configDump,
  };
}

/** The most telling diagnostic for a one-line summary: overflow and symbols before the rest. */
export function primaryDiagnostic(diagnostics: readonly Diagnostic[]): Diagnostic | undefined {
  const order: DiagnosticKind[] = ['link-overflow', 'undefined-symbol', 'go-missing', 'go-version', 'toolchain', 'target', 'compile', 'import', 'flash-tool', 'link', 'other'];
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const kind of order) {
    const found = errors.find((d) => d.kind === kind);
    if (found) return found;
  }
  return diagnostics[0];
}
