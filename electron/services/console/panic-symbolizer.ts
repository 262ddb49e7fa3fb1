/**
 * TinyGo panics (`panic: runtime error at 0x000012f4: index out of range`): find them in console
 * lines and resolve the address to function and file:line against the board's last ELF, with
 * llvm-symbolizer (LLVM, which TinyGo users often have) or addr2line (binutils).
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { findOnPath } from '../ports/port-lister';

export interface PanicLine {
  address: string;
  message: string;
}

export interface ResolvedAddress {
  function: string;
  file: string;
  line: number;
}

export interface SymbolizeResult {
  resolved: ResolvedAddress | null;
  note: string;
}

/** Where a TinyGo panic line starts: `panic: ` at the start of a line, after any ANSI colour codes or spaces. */
// eslint-disable-next-line no-control-regex -- ESC opens the ANSI colour codes a terminal-minded runtime prints before the panic.
export const TINYGO_PANIC_START = /^(?:\x1b\[[0-9;]*m|\s)*panic: /;
/** A runtime panic with the address the symbolizer resolves. */
const PANIC_AT = new RegExp(`${TINYGO_PANIC_START.source}runtime error at (0x[0-9a-fA-F]+): ?(.*)$`);

/** The address and message of a TinyGo runtime panic line, or null. */
export function parsePanicLine(line: string): PanicLine | null {
  if (line.indexOf('panic: ') < 0) return null;
  const match = PANIC_AT.exec(line);
  return match ? { address: match[1], message: match[2].trim() } : null;
}

export type SymbolizerTool = { kind: 'llvm-symbolizer' | 'addr2line'; path: string };

export function findSymbolizer(pathEnv = process.env.PATH ?? ''): SymbolizerTool | null {
  for (const name of ['llvm-symbolizer', 'addr2line'] as const) {
    const path = findOnPath(name, pathEnv);
    if (path) return { kind: name, path };
  }
  // Versioned LLVM installs (Debian: llvm-symbolizer-19).
  for (const version of [20, 19, 18, 17, 16, 15]) {
    const path = findOnPath(`llvm-symbolizer-${version}`, pathEnv);
    if (path) return { kind: 'llvm-symbolizer', path };
  }
  return null;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(command, args, { timeout: 10_000, maxBuffer: 1024 * 1024, shell: false }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
  );
}

/** "func\nfile:line[:col]\n" (both tools print function then position) → ResolvedAddress or null. */
export function parseSymbolizerOutput(output: string): ResolvedAddress | null {
  const lines = output
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (lines.length < 2) return null;
  const fn = lines[0];
  const position = /^(.*?):(\d+)(?::\d+)?(?:\s.*)?$/.exec(lines[1]);
  if (fn === '??' || !position || position[1] === '??') return null;
  return { function: fn, file: position[1], line: Number(position[2]) };
}

export async function symbolizeAddress(elfPath: string | null, address: string, tool: SymbolizerTool | null = findSymbolizer()): Promise<SymbolizeResult> {
  if (!elfPath) return { resolved: null, note: 'No ELF is known for this board yet: build its program in Flashdeck to see function and file:line here.' };
  if (!existsSync(elfPath)) return { resolved: null, note: `The last build's ELF (${elfPath}) is gone; rebuild to resolve addresses.` };
  const elf = elfBeside(elfPath);
  if (!elf) return { resolved: null, note: `The last build produced ${elfPath}, which is not an ELF and has no .elf beside it; panic addresses need the ELF with debug info.` };
  elfPath = elf;
  if (!tool) return { resolved: null, note: 'Install llvm-symbolizer (LLVM) or addr2line (binutils) to resolve panic addresses to file:line.' };
  try {
    const output =
      tool.kind === 'llvm-symbolizer'
        ? await run(tool.path, [`--obj=${elfPath}`, '--functions=linkage', '--inlining=false', address])
        : await run(tool.path, ['-f', '-C', '-e', elfPath, address]);
    const resolved = parseSymbolizerOutput(output);
    return resolved
      ? { resolved, note: `Resolved with ${tool.kind}.` }
      : { resolved: null, note: `${tool.kind} found no source line for ${address} in ${elfPath} (built without debug info, or a different build).` };
  } catch (error) {
    return { resolved: null, note: `${tool.kind} failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function isElf(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const magic = Buffer.alloc(4);
      readSync(fd, magic, 0, 4, 0);
      return magic.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** The ELF itself, or for a flash image (blink.uf2, blink.bin) the blink.elf beside it; null when neither. */
export function elfBeside(artifactPath: string): string | null {
  if (isElf(artifactPath)) return artifactPath;
  const sibling = artifactPath.replace(/\.[^./\\]+$/, '') + '.elf';
  return sibling !== artifactPath && isElf(sibling) ? sibling : null;
}
