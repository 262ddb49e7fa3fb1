import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  locateTinygo,
  probeTinygo,
  tinygoCandidates,
  toolchainEnv,
  toolchainHealth,
  toolchainSearchPath,
  type LocatorContext,
} from '../../../electron/services/toolchain/tinygo-locator';
import { runTool, type ToolRunner } from '../../../electron/services/toolchain/tool-runner';

const FAKE_TINYGO = path.resolve(__dirname, '../../fixtures/tinygo/tinygo');

function context(platform: NodeJS.Platform, env: Record<string, string>, executables: string[], homeDir = '/home/u'): LocatorContext & { checked: string[] } {
  const checked: string[] = [];
  return {
    platform,
    env,
    homeDir,
    checked,
    fs: {
      async isExecutableFile(file) {
        checked.push(file);
        return executables.includes(file);
      },
    },
  };
}

const versionLine = (go = 'go1.23.1') => `tinygo version 0.33.0 linux/amd64 (using go version ${go} and LLVM version 18.1.2)\n`;

/** A runner answering `version` and `env` like TinyGo; records the env it was given. */
function fakeRunner(answers: { version?: string; env?: string; envExit?: number; envStderr?: string }, seen: { env?: NodeJS.ProcessEnv }[] = []): ToolRunner {
  return async (_file, args, options) => {
    seen.push({ env: options?.env });
    if (args[0] === 'version') return { exitCode: 0, stdout: answers.version ?? versionLine(), stderr: '', timedOut: false };
    if (args[0] === 'env')
      return {
        exitCode: answers.envExit ?? 0,
        stdout: answers.env ?? 'GOROOT="/usr/local/go"\nTINYGOROOT="/usr/local/lib/tinygo"\n',
        stderr: answers.envStderr ?? '',
        timedOut: false,
      };
    throw new Error(`unexpected ${args.join(' ')}`);
  };
}

describe('locateTinygo', () => {
  it('uses the Settings path first', async () => {
    const ctx = context('linux', { PATH: '/usr/bin' }, ['/opt/custom/tinygo', '/usr/bin/tinygo']);
    expect(await locateTinygo(ctx, '/opt/custom/tinygo')).toEqual({ path: '/opt/custom/tinygo', source: 'settings' });
  });

  it('refuses a Settings path that is not executable instead of silently using another', async () => {
    const ctx = context('linux', { PATH: '/usr/bin' }, ['/usr/bin/tinygo']);
    await expect(locateTinygo(ctx, '/opt/missing/tinygo')).rejects.toMatchObject({ code: 'TINYGO_SETTING_INVALID', stage: 'toolchain' });
  });

  it('then PATH, in order', async () => {
    const ctx = context('linux', { PATH: '/usr/bin:/home/u/sdk/tinygo/bin' }, ['/home/u/sdk/tinygo/bin/tinygo', '/usr/local/bin/tinygo']);
    expect(await locateTinygo(ctx, '')).toEqual({ path: '/home/u/sdk/tinygo/bin/tinygo', source: 'path' });
    expect(ctx.checked.slice(0, 2)).toEqual(['/usr/bin/tinygo', '/home/u/sdk/tinygo/bin/tinygo']);
  });

  it('then the Linux install places (.deb /usr/local/lib/tinygo/bin, ~/.local)', async () => {
    expect(await locateTinygo(context('linux', { PATH: '/usr/bin:/bin' }, ['/usr/local/lib/tinygo/bin/tinygo']))).toEqual({
      path: '/usr/local/lib/tinygo/bin/tinygo',
      source: 'install-location',
    });
    expect(await locateTinygo(context('linux', { PATH: '' }, ['/home/u/.local/bin/tinygo']))).toMatchObject({ path: '/home/u/.local/bin/tinygo' });
  });

  it('on macOS finds Homebrew although a Finder-started app has a minimal PATH', async () => {
    const ctx = context('darwin', { PATH: '/usr/bin:/bin:/usr/sbin:/sbin' }, ['/opt/homebrew/bin/tinygo']);
    expect(await locateTinygo(ctx)).toEqual({ path: '/opt/homebrew/bin/tinygo', source: 'install-location' });
    const intel = context('darwin', { PATH: '/usr/bin:/bin' }, ['/usr/local/bin/tinygo']);
    expect((await locateTinygo(intel)).path).toBe('/usr/local/bin/tinygo');
  });

  it('on Windows finds the scoop shim and C:\\tinygo\\bin, reading Path case-insensitively', async () => {
    const scoop = context('win32', { Path: 'C:\\Windows\\system32', USERPROFILE: 'C:\\Users\\me' }, ['C:\\Users\\me\\scoop\\shims\\tinygo.exe'], 'C:\\Users\\me');
    expect(await locateTinygo(scoop)).toEqual({ path: 'C:\\Users\\me\\scoop\\shims\\tinygo.exe', source: 'install-location' });
    expect(scoop.checked[0]).toBe('C:\\Windows\\system32\\tinygo.exe');
    const zip = context('win32', { Path: 'C:\\Windows', USERPROFILE: 'C:\\Users\\me' }, ['C:\\tinygo\\bin\\tinygo.exe'], 'C:\\Users\\me');
    expect((await locateTinygo(zip)).path).toBe('C:\\tinygo\\bin\\tinygo.exe');
  });

  it('says where it looked and how to install when nothing is found', async () => {
    const error = await locateTinygo(context('linux', { PATH: '/usr/bin' }, [])).catch((e) => e);
    expect(error).toMatchObject({ code: 'TINYGO_NOT_FOUND' });
    // A short sentence; the places searched are its details (behind "Details" in the window).
    expect(error.message).toMatch(/^TinyGo was not found on PATH or in the \d+ usual install places\.$/);
    expect(error.toInfo().details).toContain('Searched /usr/local/lib/tinygo/bin');
    expect(error.hint).toMatch(/releases/);
    const mac = await locateTinygo(context('darwin', { PATH: '' }, [])).catch((e) => e);
    expect(mac.hint).toMatch(/brew/);
    const win = await locateTinygo(context('win32', { PATH: '' }, [], 'C:\\Users\\me')).catch((e) => e);
    expect(win.hint).toMatch(/scoop/);
  });

  it('lists candidates without duplicates', () => {
    const list = tinygoCandidates(context('linux', { PATH: '/usr/local/bin:/usr/local/bin' }, []), '/usr/local/bin/tinygo');
    expect(list.filter((c) => c.path === '/usr/local/bin/tinygo')).toEqual([{ path: '/usr/local/bin/tinygo', source: 'settings' }]);
  });
});

describe('toolchain PATH', () => {
  it('adds the usual Go/TinyGo places missing from a minimal macOS PATH, keeping the user order first', () => {
    const ctx = context('darwin', { PATH: '/usr/bin:/bin' }, []);
    const dirs = toolchainSearchPath(ctx, '/Users/u/tinygo/bin/tinygo').split(':');
    expect(dirs.slice(0, 2)).toEqual(['/usr/bin', '/bin']);
    expect(dirs).toContain('/opt/homebrew/bin');
    expect(dirs).toContain('/usr/local/go/bin');
    expect(dirs).toContain('/Users/u/tinygo/bin');
    expect(new Set(dirs).size).toBe(dirs.length);
  });

  it('uses GOROOT/bin when the user set GOROOT', () => {
    expect(toolchainSearchPath(context('linux', { PATH: '/usr/bin', GOROOT: '/opt/go1.23' }, []))).toContain('/opt/go1.23/bin');
  });

  it('keeps the Windows Path key and ; separator', () => {
    const env = toolchainEnv(context('win32', { Path: 'C:\\Windows', ProgramFiles: 'C:\\Program Files' }, [], 'C:\\Users\\me'));
    expect(env.PATH).toBeUndefined();
    expect(env.Path.split(';')).toContain('C:\\Program Files\\Go\\bin');
  });
});

describe('probeTinygo and toolchainHealth', () => {
  it('reports version, Go, LLVM and roots for a working install', async () => {
    const seen: { env?: NodeJS.ProcessEnv }[] = [];
    const ctx = context('linux', { PATH: '/usr/bin' }, ['/usr/local/bin/tinygo']);
    const health = await toolchainHealth({ ctx, run: fakeRunner({}, seen) });
    expect(health).toMatchObject({
      ok: true,
      tinygoPath: '/usr/local/bin/tinygo',
      source: 'install-location',
      version: '0.33.0',
      goVersion: 'go1.23.1',
      llvmVersion: '18.1.2',
      host: 'linux/amd64',
      tinygoRoot: '/usr/local/lib/tinygo',
      goRoot: '/usr/local/go',
      problems: [],
    });
    expect(health.features?.jsonBuildEvents).toBe(false);
    expect(health.versionInfo).toMatchObject({ major: 0, minor: 33, patch: 0, raw: '0.33.0' });
    // tinygo runs with the augmented PATH so that `go` is found.
    expect(seen[0].env?.PATH).toContain('/usr/local/go/bin');
  });

  it('go version <unknown> → GO_NOT_FOUND naming the PATH that was searched', async () => {
    const ctx = context('darwin', { PATH: '/usr/bin:/bin' }, ['/opt/homebrew/bin/tinygo']);
    const health = await toolchainHealth({ ctx, run: fakeRunner({ version: versionLine('<unknown>') }) });
    expect(health.ok).toBe(false);
    expect(health.version).toBe('0.33.0');
    expect(health.goVersion).toBeNull();
    expect(health.problems).toHaveLength(1);
    expect(health.problems[0]).toMatchObject({ code: 'GO_NOT_FOUND', stage: 'toolchain' });
    expect(health.problems[0].hint).toMatch(/Install Go/);
    expect(health.problems[0].hint).toMatch(/GOROOT/);
    expect(health.problems[0].hint).toContain('/usr/bin:/bin:');
    await expect(probeTinygo('/opt/homebrew/bin/tinygo', { ctx, run: fakeRunner({ version: versionLine('<unknown>') }) })).rejects.toMatchObject({ code: 'GO_NOT_FOUND' });
  });

  it('reports a missing TINYGOROOT from tinygo env', async () => {
    const ctx = context('linux', { PATH: '/usr/bin' }, ['/usr/bin/tinygo']);
    const health = await toolchainHealth({
      ctx,
      run: fakeRunner({ env: '', envExit: 1, envStderr: 'error: could not autodetect root directory, set the TINYGOROOT environment variable to override\n' }),
    });
    expect(health.problems.map((p) => p.code)).toEqual(['TINYGOROOT_NOT_FOUND']);
    expect(health.problems[0].message).toContain('could not autodetect root directory');
  });

  it('reports a file that is not TinyGo, and one that cannot start', async () => {
    const ctx = context('linux', { PATH: '' }, ['/usr/bin/tinygo']);
    const notTinygo = await toolchainHealth({ ctx, run: fakeRunner({ version: 'Python 3.12.1\n' }) });
    expect(notTinygo.problems[0]).toMatchObject({ code: 'TINYGO_NOT_RUNNABLE' });
    const broken: ToolRunner = () => Promise.reject(Object.assign(new Error('spawn EACCES'), { code: 'EACCES' }));
    const cannotStart = await toolchainHealth({ ctx, run: broken });
    expect(cannotStart.problems[0]).toMatchObject({ code: 'TINYGO_NOT_RUNNABLE' });
    expect(cannotStart.problems[0].message).toContain('EACCES');
  });

  it('never throws: a bad Settings path is a listed problem', async () => {
    const health = await toolchainHealth({ settingsPath: '/nope/tinygo', ctx: context('linux', { PATH: '' }, []) });
    expect(health.ok).toBe(false);
    expect(health.problems[0].code).toBe('TINYGO_SETTING_INVALID');
  });

  it('drives the stand-in tinygo through the Settings path like a user would', async () => {
    const real = { platform: process.platform, env: { PATH: process.env.PATH ?? '', FAKE_TINYGO_VERSION: '0.42.0', FAKE_TINYGO_ROOT: '/opt/tinygo' }, homeDir: '/tmp' };
    const { nodeLocatorFs } = await import('../../../electron/services/toolchain/tinygo-locator');
    const health = await toolchainHealth({ settingsPath: FAKE_TINYGO, ctx: { ...real, fs: nodeLocatorFs }, run: runTool });
    expect(health).toMatchObject({ ok: true, source: 'settings', version: '0.42.0', goVersion: 'go1.27.1', llvmVersion: '22.1.4', tinygoRoot: '/opt/tinygo' });
    expect(health.features?.jsonBuildEvents).toBe(true);
    const missingGo = await toolchainHealth({ settingsPath: FAKE_TINYGO, ctx: { ...real, env: { ...real.env, FAKE_TINYGO_GO: 'missing' }, fs: nodeLocatorFs }, run: runTool });
    expect(missingGo.problems[0].code).toBe('GO_NOT_FOUND');
  });
});

describe('Settings path variants', () => {
  it('accepts the TinyGo installation folder and finds bin/tinygo inside it', async () => {
    const ctx = context('linux', { PATH: '' }, ['/opt/tinygo/bin/tinygo']);
    expect(await locateTinygo(ctx, '/opt/tinygo')).toEqual({ path: '/opt/tinygo/bin/tinygo', source: 'settings' });
    const win = context('win32', { Path: '' }, ['D:\\tools\\tinygo\\bin\\tinygo.exe'], 'C:\\Users\\me');
    expect((await locateTinygo(win, 'D:\\tools\\tinygo')).path).toBe('D:\\tools\\tinygo\\bin\\tinygo.exe');
  });

  it('never runs another program the Settings path names: only a file called tinygo / tinygo.exe', async () => {
    const ran: string[] = [];
    const run: ToolRunner = async (file) => {
      ran.push(file);
      return { exitCode: 0, stdout: versionLine(), stderr: '', timedOut: false };
    };
    const linux = context('linux', { PATH: '/usr/bin' }, ['/bin/rm', '/usr/bin/tinygo']);
    const refused = await locateTinygo(linux, '/bin/rm').catch((error) => error);
    expect(refused).toMatchObject({ code: 'TINYGO_SETTING_INVALID', stage: 'toolchain' });
    expect(refused.message).toBe('The TinyGo executable set in Settings names rm, not tinygo: Flashdeck only runs the TinyGo compiler from this setting (/bin/rm).');
    expect(refused.hint).toMatch(/Choose the tinygo executable/);
    const health = await toolchainHealth({ settingsPath: '/bin/rm', ctx: linux, run });
    expect(health).toMatchObject({ ok: false, tinygoPath: null, problems: [{ code: 'TINYGO_SETTING_INVALID' }] });
    expect(ran).toEqual([]);

    const win = context('win32', { Path: '' }, ['C:\\Windows\\System32\\cmd.exe', 'C:\\TinyGo\\bin\\TINYGO.EXE'], 'C:\\Users\\me');
    await expect(locateTinygo(win, 'C:\\Windows\\System32\\cmd.exe')).rejects.toMatchObject({
      code: 'TINYGO_SETTING_INVALID',
      message: expect.stringContaining('names cmd.exe, not tinygo.exe'),
    });
    expect(await locateTinygo(win, 'C:\\TinyGo\\bin\\TINYGO.EXE')).toEqual({ path: 'C:\\TinyGo\\bin\\TINYGO.EXE', source: 'settings' });
  });

  it('refuses a file named tinygo that does not answer `version` like TinyGo', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'flashdeck-not-tinygo-'));
    const impostor = path.join(dir, 'tinygo');
    writeFileSync(impostor, '#!/bin/sh\necho "usage: something else"\n');
    chmodSync(impostor, 0o755);
    try {
      const { nodeLocatorFs } = await import('../../../electron/services/toolchain/tinygo-locator');
      const health = await toolchainHealth({
        settingsPath: impostor,
        ctx: { platform: process.platform, env: { PATH: process.env.PATH ?? '' }, homeDir: dir, fs: nodeLocatorFs },
        run: runTool,
      });
      expect(health.ok).toBe(false);
      expect(health.problems[0]).toMatchObject({ code: 'TINYGO_NOT_RUNNABLE', message: `${impostor} did not print a TinyGo version (got: usage: something else).` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs tinygo version only once for a health check', async () => {
    const calls: string[] = [];
    const run: ToolRunner = async (_file, args) => {
      calls.push(args[0]);
      return args[0] === 'version'
        ? { exitCode: 0, stdout: versionLine(), stderr: '', timedOut: false }
        : { exitCode: 0, stdout: 'TINYGOROOT="/r"\n', stderr: '', timedOut: false };
    };
    await toolchainHealth({ ctx: context('linux', { PATH: '/usr/bin' }, ['/usr/bin/tinygo']), run });
    expect(calls).toEqual(['version', 'env']);
  });
});
