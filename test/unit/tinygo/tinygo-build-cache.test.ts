import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBuildDirs, pruneBuildDirs } from '../../../electron/services/toolchain/build-cache';

let cacheDir: string;
const DAY = 24 * 3600_000;
const NOW = Date.UTC(2026, 10, 28);

beforeAll(async () => {
  cacheDir = await mkdtemp(path.join(tmpdir(), 'flashdeck-cache-'));
  // b0 newest … b5 oldest, one day apart.
  for (let i = 0; i < 6; i++) {
    const dir = path.join(cacheDir, 'builds', `b${i}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'blink.bin'), 'x');
    const t = new Date(NOW - i * DAY);
    await utimes(dir, t, t);
  }
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe('build cache', () => {
  it('lists build dirs newest first', async () => {
    expect((await listBuildDirs(cacheDir)).map((d) => d.buildId)).toEqual(['b0', 'b1', 'b2', 'b3', 'b4', 'b5']);
    expect(await listBuildDirs(path.join(cacheDir, 'nothing'))).toEqual([]);
  });

  it('removes old dirs beyond the newest N, except those still in use', async () => {
    const inUse = path.join(cacheDir, 'builds', 'b4', 'blink.bin');
    const removed = await pruneBuildDirs(cacheDir, { keepLatest: 2, olderThanMs: 2.5 * DAY, keep: [inUse], now: NOW });
    expect(removed.sort()).toEqual(['b3', 'b5']);
    expect((await readdir(path.join(cacheDir, 'builds'))).sort()).toEqual(['b0', 'b1', 'b2', 'b4']);
  });
});
