/** What real installer builds ask for (electron-builder.yml and its beforePack hook); the stand-in packaging test in test/e2e proves the result. */
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..', '..');
const require = createRequire(import.meta.url);
// electron-builder's own YAML reader (it ships no types).
const { load } = require('js-yaml') as { load(text: string): unknown };
const config = load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;

describe('electron-builder.yml', () => {
  it('flips the hardening fuses: no run-as-node, NODE_OPTIONS or --inspect; app only from a validated asar; encrypted cookies; no file:// privileges', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
      resetAdHocDarwinSignature: true,
    });
    expect(config.asar).toBe(true);
  });

  it('names the installers of all three platforms', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.deb.afterInstall).toBe('resources/linux/after-install.sh');
    expect(config.mac.target).toEqual([{ target: 'dmg', arch: ['arm64', 'x64'] }]);
    expect(config.win.target).toEqual(['nsis']);
    expect(config).toMatchObject({ appId: 'dev.flashdeck.app', productName: 'Flashdeck' });
  });

  it('rebuilds only better-sqlite3, in the beforePack hook, and unpacks native modules', () => {
    expect(config.npmRebuild).toBe(false);
    expect(config.beforePack).toBe('scripts/before-pack.cjs');
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', 'node_modules/better-sqlite3/**/*']));
    expect(config.files).toEqual(expect.arrayContaining(['!**/*.map', '!**/*.ts']));
  });
});

describe('the beforePack hook', () => {
  it('rebuilds better-sqlite3 alone for the Electron version, platform and arch being packed, and marks node_modules as built for Electron', async () => {
    const projectDir = mkdtempSync(join(tmpdir(), 'flashdeck-before-pack-'));
    mkdirSync(join(projectDir, 'node_modules'));
    try {
      const asked: unknown[] = [];
      const hook = require(join(root, 'scripts', 'before-pack.cjs')).default;
      // Arch 3 is electron-builder's arm64.
      await hook(
        { packager: { projectDir, config: { electronVersion: '45.5.0' } }, arch: 3, electronPlatformName: 'darwin' },
        async (options: unknown) => void asked.push(options),
      );
      expect(asked).toEqual([
        {
          buildPath: projectDir,
          electronVersion: '45.5.0',
          arch: 'arm64',
          platform: 'darwin',
          onlyModules: ['better-sqlite3'],
          force: true,
          mode: 'sequential',
          buildFromSource: false,
        },
      ]);
      expect(readFileSync(join(projectDir, 'node_modules', '.flashdeck-native-runtime'), 'utf8')).toBe('electron');
    } finally {
      rmSync(projectDir, { recursive: true, force: true });
    }
  });
});
