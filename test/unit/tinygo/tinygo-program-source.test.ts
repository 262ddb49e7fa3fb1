import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModuleName, parsePackageName, resolveProgramSource } from '../../../electron/services/toolchain/program-source';

let root: string;
const MAIN = 'package main\n\nfunc main() {}\n';

async function files(dir: string, entries: Record<string, string>) {
  for (const [name, text] of Object.entries(entries)) {
    const file = path.join(root, dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return path.join(root, dir);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'flashdeck-source-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveProgramSource', () => {
  it('a folder with go.mod builds "." in that folder', async () => {
    const dir = await files('blinky', { 'go.mod': 'module example.com/blinky\n\ngo 1.22\n', 'main.go': MAIN, 'led.go': 'package main\n', 'main_test.go': 'package main\n' });
    expect(await resolveProgramSource(dir)).toEqual({
      kind: 'module-package',
      buildDir: dir,
      packageArg: '.',
      moduleDir: dir,
      moduleName: 'example.com/blinky',
      name: 'blinky',
      goFiles: [path.join(dir, 'led.go'), path.join(dir, 'main.go')],
    });
  });

  it('a package folder inside a module (go.mod higher up)', async () => {
    const moduleDir = await files('mod', { 'go.mod': 'module "example.com/mod" // quoted\n', 'cmd/app/main.go': MAIN });
    const source = await resolveProgramSource(path.join(moduleDir, 'cmd', 'app'));
    expect(source).toMatchObject({ kind: 'module-package', buildDir: path.join(moduleDir, 'cmd', 'app'), moduleDir, moduleName: 'example.com/mod', name: 'app' });
  });

  it('a dropped .go file inside a module builds its whole package', async () => {
    const dir = await files('pkgfile', { 'go.mod': 'module x\n', 'main.go': MAIN, 'other.go': 'package main\n' });
    const source = await resolveProgramSource(path.join(dir, 'main.go'));
    expect(source).toMatchObject({ kind: 'module-package', packageArg: '.', buildDir: dir, name: 'pkgfile' });
    expect(source.goFiles).toHaveLength(2);
  });

  it('a lone .go file without a module builds just that file', async () => {
    const dir = await files('lone', { 'hello.go': `// Build tags and comments first.\n//go:build tinygo\n\n/* block */\n${MAIN}` });
    expect(await resolveProgramSource(path.join(dir, 'hello.go'))).toEqual({
      kind: 'single-file',
      buildDir: dir,
      packageArg: 'hello.go',
      moduleDir: null,
      moduleName: null,
      name: 'hello',
      goFiles: [path.join(dir, 'hello.go')],
    });
  });

  it('clear errors: no go.mod, no .go files, not package main, not Go, missing, test file', async () => {
    const noMod = await files('nomod', { 'main.go': MAIN });
    await expect(resolveProgramSource(noMod)).rejects.toMatchObject({ code: 'NO_GO_MOD', stage: 'program', hint: expect.stringContaining('go mod init nomod') });
    const empty = await files('empty', { 'README.md': 'hi' });
    await expect(resolveProgramSource(empty)).rejects.toMatchObject({ code: 'NO_GO_MOD', message: expect.stringContaining('no go.mod and no .go files') });
    const onlySubdirs = await files('multi', { 'go.mod': 'module m\n', 'blink/main.go': MAIN, 'serial/main.go': MAIN });
    await expect(resolveProgramSource(onlySubdirs)).rejects.toMatchObject({ code: 'NO_GO_FILES', hint: expect.stringContaining('blink, serial') });
    const library = await files('lib', { 'go.mod': 'module lib\n', 'lib.go': 'package lib\n' });
    await expect(resolveProgramSource(library)).rejects.toMatchObject({ code: 'NOT_A_PROGRAM', message: expect.stringContaining('package lib') });
    const notGo = await files('txt', { 'notes.txt': 'x' });
    await expect(resolveProgramSource(path.join(notGo, 'notes.txt'))).rejects.toMatchObject({ code: 'NOT_GO_SOURCE' });
    await expect(resolveProgramSource(path.join(root, 'does-not-exist'))).rejects.toMatchObject({ code: 'PROGRAM_NOT_FOUND' });
    const withTest = await files('t', { 'go.mod': 'module t\n', 'main.go': MAIN, 'main_test.go': MAIN });
    await expect(resolveProgramSource(path.join(withTest, 'main_test.go'))).rejects.toMatchObject({ code: 'NOT_A_PROGRAM' });
  });

  it('parses module and package clauses', () => {
    expect(parseModuleName('// comment\nmodule github.com/a/b\n\ngo 1.22\n')).toBe('github.com/a/b');
    expect(parseModuleName('go 1.22\n')).toBeNull();
    expect(parsePackageName('/* package nope */\n// package nope2\npackage   main // trailing\n')).toBe('main');
    expect(parsePackageName('')).toBeNull();
  });
});
