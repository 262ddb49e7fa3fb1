// Which runtime's ABI node_modules' better-sqlite3 was last built for ("node" or "electron"): the
// one marker scripts/native-deps.mjs and the packaging hook (scripts/before-pack.cjs) both keep.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const markerFile = (projectDir = process.cwd()) => join(projectDir, 'node_modules', '.flashdeck-native-runtime');

export function builtFor(projectDir) {
  const file = markerFile(projectDir);
  return existsSync(file) ? readFileSync(file, 'utf8').trim() : 'node';
}

export function markBuiltFor(runtime, projectDir) {
  writeFileSync(markerFile(projectDir), runtime);
}

/**
 * Rebuilds better-sqlite3, which has no N-API build, for Electron's ABI on `platform`/`arch`, and
 * nothing else: serialport's N-API prebuilds load in Electron as they are. `rebuild` is
 * @electron/rebuild's (tests pass their own).
 */
export async function rebuildForElectron({ projectDir, electronVersion, arch, platform }, rebuild) {
  const run = rebuild ?? (await import('@electron/rebuild')).rebuild;
  await run({ buildPath: projectDir, electronVersion, arch, platform, onlyModules: ['better-sqlite3'], force: true, mode: 'sequential', buildFromSource: false });
  markBuiltFor('electron', projectDir);
}
