/**
 * Nothing Flashdeck starts goes through a shell, checked in the source: every module that may start
 * a process is listed here with what it starts, only the argument-array functions of child_process
 * are imported, every call passes `shell: false`, and the two fixed scripts Flashdeck does run
 * (the login shell's PATH, Windows' removable-drive query) live where this test expects them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { powerShellPath, runPowerShell } from '../../../electron/services/builds/external-tools';

const root = resolve(import.meta.dirname, '..', '..', '..');
const SCANNED = ['electron', 'drivers', 'scripts', 'bench', 'renderer', 'resources'];

/** The modules that start processes, and what they start. A new one must be added here, after review. */
const SPAWNING_MODULES: Record<string, string> = {
  'electron/services/toolchain/process-tree.ts': 'tinygo and every tool via spawnProcessTree; taskkill on Windows',
  'electron/services/builds/external-tools.ts': 'vendor tools probed on PATH; the fixed PowerShell drive query',
  'electron/services/editor-launcher.ts': 'VS Code or the default application for a source file',
  'electron/services/console/panic-symbolizer.ts': 'llvm-symbolizer / addr2line',
  'scripts/native-deps.mjs': 'npm (through node) to rebuild better-sqlite3',
  'bench/parallel.ts': 'one simulator process per board (node with tsx)',
};
const ARGUMENT_ARRAY_FUNCTIONS = new Set(['spawn', 'execFile', 'execFileSync', 'spawnSync', 'ChildProcess', 'type ChildProcess']);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|cts|mjs|cjs|js|svelte)$/.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)));
}

/** Each `name(`…`)` call in `text`, with its whole argument list (parentheses balanced, strings skipped). */
function calls(text: string, name: string): string[] {
  const found: string[] = [];
  const pattern = new RegExp(`(?<![\\w.])${name}\\(`, 'g');
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    let depth = 0;
    let quote: string | null = null;
    for (let i = match.index + name.length; i < text.length; i++) {
      const c = text[i];
      if (quote) {
        if (c === '\\') i++;
        else if (c === quote) quote = null;
      } else if (c === "'" || c === '"' || c === '`') quote = c;
      else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) {
        found.push(text.slice(match.index, i + 1));
        break;
      }
    }
  }
  return found;
}

const files = SCANNED.flatMap(sourceFiles);
const texts = new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));

describe('no process is started through a shell', () => {
  it('scans the app, drivers, scripts and benches', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files).toEqual(expect.arrayContaining(Object.keys(SPAWNING_MODULES)));
  });

  it('no `shell:` option other than false anywhere', () => {
    const offenders = [...texts].flatMap(([file, text]) => [...text.matchAll(/\bshell\s*:\s*(?!false\b)(?:true|['"`]|[\w$.]+\s*[,}\n])/g)].map((m) => `${file}: ${m[0]}`));
    expect(offenders).toEqual([]);
  });

  it('only the listed modules import child_process, and only its argument-array functions', () => {
    const importers: string[] = [];
    const wrongImports: string[] = [];
    for (const [file, text] of texts) {
      // A type-only import starts nothing.
      if (!/['"](?:node:)?child_process['"]/.test(text.replace(/import type \{[^}]*\} from ['"](?:node:)?child_process['"];?/g, ''))) continue;
      importers.push(file);
      const named = [...text.matchAll(/import\s*(type\s*)?\{([^}]*)\}\s*from\s*['"](?:node:)?child_process['"]/g)];
      const anyImport = [...text.matchAll(/(?:import|require\()[^;]*['"](?:node:)?child_process['"]/g)];
      if (named.length !== anyImport.length) wrongImports.push(`${file}: imports child_process as a whole (cp.exec would be reachable)`);
      for (const [, , list] of named) {
        for (const specifier of list
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          if (!ARGUMENT_ARRAY_FUNCTIONS.has(specifier)) wrongImports.push(`${file}: imports ${specifier}`);
        }
      }
    }
    expect(wrongImports).toEqual([]);
    expect(importers.sort()).toEqual(Object.keys(SPAWNING_MODULES).sort());
  });

  it('every spawn / execFile call passes its arguments as an array and says shell: false', () => {
    const problems: string[] = [];
    let seen = 0;
    for (const file of Object.keys(SPAWNING_MODULES)) {
      const text = texts.get(file)!;
      for (const name of ['spawn', 'execFile', 'execFileSync', 'spawnSync']) {
        for (const call of calls(text, name)) {
          seen++;
          if (!/shell:\s*false\b/.test(call)) problems.push(`${file}: ${call.slice(0, 120)} … has no shell: false`);
          // The second argument is an array literal (`[…]`) or a helper's `args: string[]` parameter.
          const afterCommand = call.slice(name.length + 1).replace(/^[^,]*,\s*/, '');
          const arrayParameter = afterCommand.startsWith('args,') && /\bargs: (readonly )?string\[\]/.test(text);
          if (!afterCommand.startsWith('[') && !arrayParameter) problems.push(`${file}: ${call.slice(0, 120)} … does not pass an argument array`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(seen).toBeGreaterThanOrEqual(7);
  });

  it('shell and interpreter switches (-c, /c, -Command) appear only in the two fixed scripts', () => {
    const found = [...texts].flatMap(([file, text]) => [...text.matchAll(/['"`](-i?l?c|\/c|\/k|-Command|-EncodedCommand)['"`]/g)].map((m) => `${file}: ${m[1]}`));
    expect(found.sort()).toEqual(['electron/services/builds/external-tools.ts: -Command', 'electron/services/toolchain/login-shell-path.ts: -ilc']);
    // The login shell prints PATH between markers; nothing but constants is in its script.
    expect(texts.get('electron/services/toolchain/login-shell-path.ts')).toMatch(/\['-ilc', `printf '%s' "\$\{MARK\}\\\$\{PATH\}\$\{MARK\}"`\]/);
  });

  it('PowerShell runs only the fixed drive queries, from System32 (not a powershell.exe in the working directory)', async () => {
    await expect(runPowerShell('Remove-Item -Recurse C:\\' as never)).rejects.toThrow('Flashdeck runs only its own fixed PowerShell queries.');
    expect(powerShellPath({ SystemRoot: 'D:\\Windows' })).toBe('D:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
    expect(powerShellPath({})).toBe('C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe');
  });
});
