/**
 * What to build when the user drops something on the app: a `.go` file or a folder with `go.mod`.
 * Decides the directory tinygo runs in and the package argument, or says clearly why not.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { FlashdeckError, type ErrorCode } from '../../../drivers/common/errors';

export interface ProgramSource {
  /** 'module-package': a package directory inside a module; 'single-file': one file, no module. */
  kind: 'module-package' | 'single-file';
  /** Directory tinygo runs in (its cwd). */
  buildDir: string;
  /** Package argument for `tinygo build`: "." or the file name. */
  packageArg: string;
  /** Directory holding go.mod, or null for a lone file. */
  moduleDir: string | null;
  /** `module` path from go.mod. */
  moduleName: string | null;
  /** Short name for artifacts and the UI: the folder name, or the file name without `.go`. */
  name: string;
  /** Non-test .go files that will be compiled (absolute paths). */
  goFiles: string[];
}

function sourceError(code: ErrorCode, message: string, hint: string): FlashdeckError {
  return new FlashdeckError({ code, stage: 'program', message, hint });
}

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** The nearest directory at or above `dir` holding go.mod. */
export async function findModuleDir(dir: string): Promise<string | null> {
  let current = path.resolve(dir);
  for (;;) {
    if (await isFile(path.join(current, 'go.mod'))) return current;
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
  }
}

/** `module` path of a go.mod file's text. */
export function parseModuleName(goMod: string): string | null {
  const m = /^\s*module\s+("?)([^\s"]+)\1\s*(?:\/\/.*)?$/m.exec(goMod);
  return m ? m[2] : null;
}

/** Package clause of a Go file's text (skipping comments, including a leading build constraint). */
export function parsePackageName(source: string): string | null {
  const withoutComments = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  const m = /^\s*package\s+([A-Za-z_][A-Za-z0-9_]*)/m.exec(withoutComments);
  return m ? m[1] : null;
}

async function goFilesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.go') && !e.name.endsWith('_test.go'))
    .map((e) => path.join(dir, e.name))
    .sort();
}

async function readModuleName(moduleDir: string): Promise<string | null> {
  try {
    return parseModuleName(await readFile(path.join(moduleDir, 'go.mod'), 'utf8'));
  } catch {
    return null;
  }
}

async function requireMainPackage(files: string[], where: string): Promise<void> {
  const names = new Set<string>();
  for (const file of files) {
    const name = parsePackageName(await readFile(file, 'utf8'));
    if (name) names.add(name);
  }
  if (!names.has('main')) {
    throw sourceError(
      'NOT_A_PROGRAM',
      `${where} is package ${[...names].join(', ') || '(none)'}, not package main, so there is no program to build.`,
      'Drop the folder (or file) that has `package main` and a `func main()`.',
    );
  }
}

/** Resolves a dropped path (file or folder) to what `tinygo build` needs. */
export async function resolveProgramSource(dropped: string): Promise<ProgramSource> {
  const target = path.resolve(dropped);
  if (await isDirectory(target)) return resolveFolder(target);
  if (!(await isFile(target))) {
    throw sourceError('PROGRAM_NOT_FOUND', `${dropped} does not exist.`, 'Drop an existing .go file or a folder with go.mod.');
  }
  if (!target.endsWith('.go')) {
    throw sourceError('NOT_GO_SOURCE', `${path.basename(target)} is not a Go source file.`, 'Drop a .go file with `package main`, or the folder of a Go module (with go.mod).');
  }
  if (target.endsWith('_test.go')) {
    throw sourceError('NOT_A_PROGRAM', `${path.basename(target)} is a test file and cannot be built as a program.`, 'Drop the main .go file or its folder instead.');
  }
  const dir = path.dirname(target);
  const moduleDir = await findModuleDir(dir);
  if (moduleDir) {
    // Inside a module a file belongs to its package: build the whole package directory.
    const goFiles = await goFilesIn(dir);
    await requireMainPackage([target], path.basename(target));
    return { kind: 'module-package', buildDir: dir, packageArg: '.', moduleDir, moduleName: await readModuleName(moduleDir), name: path.basename(dir), goFiles };
  }
  await requireMainPackage([target], path.basename(target));
  return { kind: 'single-file', buildDir: dir, packageArg: path.basename(target), moduleDir: null, moduleName: null, name: path.basename(target, '.go'), goFiles: [target] };
}

async function resolveFolder(dir: string): Promise<ProgramSource> {
  const moduleDir = await findModuleDir(dir);
  const goFiles = await goFilesIn(dir);
  if (!moduleDir) {
    throw sourceError(
      'NO_GO_MOD',
      goFiles.length ? `${path.basename(dir)} has Go files but no go.mod, so Go cannot build it as a package.` : `${path.basename(dir)} has no go.mod and no .go files.`,
      goFiles.length
        ? `Run \`go mod init ${path.basename(dir).replace(/[^A-Za-z0-9._-]/g, '-') || 'example'}\` in that folder (and \`go mod tidy\` if it imports other modules), or drop the single main .go file instead.`
        : 'Drop a folder that contains go.mod and a main package, or a single .go file.',
    );
  }
  if (goFiles.length === 0) {
    const entries = await readdir(dir, { withFileTypes: true });
    const withGo: string[] = [];
    for (const e of entries) {
      if (e.isDirectory() && !e.name.startsWith('.') && (await goFilesIn(path.join(dir, e.name)).catch(() => [])).length) withGo.push(e.name);
    }
    throw sourceError(
      'NO_GO_FILES',
      `${path.basename(dir)} has no .go files of its own.`,
      withGo.length ? `Drop one of its program folders instead: ${withGo.join(', ')}.` : 'Add a main.go with `package main` and `func main()`.',
    );
  }
  await requireMainPackage(goFiles, path.basename(dir));
  return { kind: 'module-package', buildDir: dir, packageArg: '.', moduleDir, moduleName: await readModuleName(moduleDir), name: path.basename(dir), goFiles };
}
