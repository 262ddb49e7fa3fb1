import { describe, expect, it } from 'vitest';
import { loginShellPath, withLoginShellPath } from '../../../electron/services/toolchain/login-shell-path';
import { runTool, type ToolRunner } from '../../../electron/services/toolchain/tool-runner';
import type { LocatorContext } from '../../../electron/services/toolchain/tinygo-locator';

const fs = { isExecutableFile: async () => false };

describe('login shell PATH', () => {
  it('reads PATH between markers despite profile banners, and merges it first', async () => {
    const calls: { file: string; args: readonly string[] }[] = [];
    const run: ToolRunner = async (file, args) => {
      calls.push({ file, args });
      return { exitCode: 0, stdout: 'Welcome to gvm!\n__FLASHDECK_PATH__/home/u/.gvm/gos/go1.23/bin:/usr/bin__FLASHDECK_PATH__', stderr: '', timedOut: false };
    };
    const ctx: LocatorContext = { platform: 'darwin', env: { SHELL: '/bin/zsh', PATH: '/usr/bin:/bin' }, homeDir: '/home/u', fs };
    const merged = await withLoginShellPath(ctx, { run });
    expect(merged.env.PATH).toBe('/home/u/.gvm/gos/go1.23/bin:/usr/bin:/bin');
    expect(calls[0].file).toBe('/bin/zsh');
    expect(calls[0].args[0]).toBe('-ilc');
  });

  it('leaves the context alone on Windows, without SHELL, on timeout or garbage', async () => {
    const never: ToolRunner = async () => {
      throw new Error('must not run');
    };
    expect(await loginShellPath({ platform: 'win32', env: { SHELL: '/bin/sh' } }, { run: never })).toBeNull();
    expect(await loginShellPath({ platform: 'linux', env: {} }, { run: never })).toBeNull();
    const slow: ToolRunner = async () => ({ exitCode: null, stdout: '', stderr: '', timedOut: true });
    expect(await loginShellPath({ platform: 'linux', env: { SHELL: '/bin/bash' } }, { run: slow })).toBeNull();
    const junk: ToolRunner = async () => ({ exitCode: 0, stdout: 'no markers', stderr: '', timedOut: false });
    const ctx: LocatorContext = { platform: 'linux', env: { SHELL: '/bin/bash', PATH: '/usr/bin' }, homeDir: '/h', fs };
    expect(await withLoginShellPath(ctx, { run: junk })).toBe(ctx);
  });

  it('works with a real /bin/sh', async () => {
    const path = await loginShellPath({ platform: 'linux', env: { SHELL: '/bin/sh', PATH: '/usr/bin:/bin', HOME: '/tmp' } }, { run: runTool });
    expect(path).toContain('/usr/bin');
  });
});
