/**
 * The per-build directories runBuild leaves under `<cacheDir>/builds/`: listing them and removing
 * old ones, so the cache does not grow forever. Directories in use (the artifact a flash job or
 * the console's ELF still points at) are passed as `keep`.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';

export interface BuildDirInfo {
  buildId: string;
  dir: string;
  modifiedMs: number;
}

export function buildsRoot(cacheDir: string): string {
  return path.join(cacheDir, 'builds');
}

/** Build directories, newest first. */
export async function listBuildDirs(cacheDir: string): Promise<BuildDirInfo[]> {
  const root = buildsRoot(cacheDir);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return [];
  }
  const out: BuildDirInfo[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    try {
      const info = await stat(dir);
      if (info.isDirectory()) out.push({ buildId: name, dir, modifiedMs: info.mtimeMs });
    } catch {
      /* removed meanwhile */
    }
  }
  return out.sort((a, b) => b.modifiedMs - a.modifiedMs || b.buildId.localeCompare(a.buildId));
}

/**
 * Removes build directories beyond the newest `keepLatest` that are also older than `olderThanMs`
 * (both conditions), never those containing a path in `keep`. Returns the removed build ids.
 */
export async function pruneBuildDirs(cacheDir: string, options: { keepLatest?: number; olderThanMs?: number; keep?: readonly string[]; now?: number } = {}): Promise<string[]> {
  const keepLatest = options.keepLatest ?? 20;
  const olderThanMs = options.olderThanMs ?? 7 * 24 * 3600_000;
  const now = options.now ?? Date.now();
  const keep = (options.keep ?? []).map((p) => path.resolve(p));
  const removed: string[] = [];
  const dirs = await listBuildDirs(cacheDir);
  for (const [index, entry] of dirs.entries()) {
    if (index < keepLatest) continue;
    if (now - entry.modifiedMs < olderThanMs) continue;
    if (keep.some((p) => p === entry.dir || p.startsWith(entry.dir + path.sep))) continue;
    await rm(entry.dir, { recursive: true, force: true });
    removed.push(entry.buildId);
  }
  return removed;
}
