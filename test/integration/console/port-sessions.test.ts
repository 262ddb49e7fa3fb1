/**
 * Port sessions through real pseudo-terminals (socat) with the TinyGo app simulator: console
 * bytes, telemetry batches, panics, unplug/replug on another path, the flash lease, and the
 * errors a person sees for EACCES and a busy port.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { attachToPty, type PtyAttachment } from '../../../simulators/common/pty-transport';
import { SimBinding } from '../../../simulators/common/sim-binding';
import { TinyGoAppSim } from '../../../simulators/app/tinygo-app-sim';
import { createConsoleHarness, type ConsoleHarness } from './console-harness';
import { findPortHolders } from '../../../electron/services/ports/port-open-errors';

const FEATHER = { vendorId: '239a', productId: '8029', serialNumber: 'F00DFEED01' };
const FEATHER_ID = `usb:239a:8029:${FEATHER.serialNumber}`;
const send = (harness: ConsoleHarness, boardId: string, text: string) => harness.sessions.send(boardId, Buffer.from(text), text.trim());

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function board(sim = new TinyGoAppSim()): Promise<{ sim: TinyGoAppSim; pty: PtyAttachment }> {
  const pty = await attachToPty(sim, { baud: 115200 });
  cleanups.push(() => {
    sim.stop();
    return pty.close();
  });
  return { sim, pty };
}

const NOBODY = 65534;

/**
 * Runs `action` with the effective uid of `uid` when this process is root (the OS then checks
 * file permissions as that user, in every thread), and as it is otherwise.
 */
async function withEffectiveUser<T>(uid: number, action: () => Promise<T>): Promise<T> {
  if (process.geteuid?.() !== 0 || !process.seteuid) return action();
  process.seteuid(uid);
  try {
    return await action();
  } finally {
    process.seteuid(0);
  }
}

async function harness(options: Parameters<typeof createConsoleHarness>[0] = {}): Promise<ConsoleHarness> {
  const h = await createConsoleHarness(options);
  cleanups.push(() => h.close());
  return h;
}

describe('port sessions over a pseudo-terminal', () => {
  it('streams console bytes in batches, decodes telemetry and reports panics', async () => {
    const { pty } = await board();
    const h = await harness();
    const added = await h.registry.addByPath(pty.hostPath);
    const status = await h.sessions.open(added.id);
    expect(status.state).toBe('connected');

    await send(h, added.id, 'hello board\n');
    await h.waitForText(added.id, 'echo: hello board\r\n');
    expect(h.sessions.status(added.id).history).toEqual(['hello board']);

    await send(h, added.id, 'burst 2000\n');
    await h.waitForText(added.id, 'seq 2000\r\n', 10_000);
    const batches = h.of('console.data').filter((d) => d.boardId === added.id);
    // ≈16 ms batches: 2000 lines (~20 kB at 115200 ≈ 1.8 s) arrive in far fewer messages than lines.
    expect(batches.length).toBeLessThan(400);
    expect(batches.every((b) => b.droppedBytes === 0)).toBe(true);
    const text = h.text(added.id);
    for (const i of [1, 999, 2000]) expect(text).toContain(`seq ${i}\r\n`);

    await send(h, added.id, 'telemetry on\n');
    await expect.poll(() => h.of('telemetry.batch').flatMap((b) => b.t).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    const telemetry = h.of('telemetry.batch')[0];
    expect(Object.keys(telemetry.series).sort()).toEqual(['Frees', 'HeapIdle', 'HeapInuse', 'Mallocs']);
    expect(telemetry.series.HeapInuse[0]).toBe(4096 + 1536);
    expect(telemetry.series.HeapIdle[0]).toBe(65536 - (4096 + 1536));
    await send(h, added.id, 'telemetry off\n');

    await send(h, added.id, 'panic\n');
    await expect.poll(() => h.of('console.panic').length, { timeout: 5000 }).toBe(1);
    const [panic] = h.of('console.panic');
    expect(panic).toMatchObject({ boardId: added.id, address: '0x000012f4', message: 'index out of range', resolved: null });
    expect(panic.note).toMatch(/No ELF is known/);
  });

  it("resolves a panic address to function and file:line from the board's ELF", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-elf-'));
    writeFileSync(join(dir, 'blink.c'), 'int blink_led(int n) {\n  return n * 3;\n}\nint main(void) { return blink_led(2); }\n');
    execFileSync('gcc', ['-g', '-O0', '-o', join(dir, 'blink.elf'), join(dir, 'blink.c')]);
    const nm = execFileSync('nm', [join(dir, 'blink.elf')], { encoding: 'utf8' });
    const address = `0x${/^([0-9a-f]+) T blink_led$/m.exec(nm)![1]}`;

    const { sim, pty } = await board();
    const h = await harness();
    const added = await h.registry.addByPath(pty.hostPath);
    h.sessions.setElfForBoard(added.id, join(dir, 'blink.elf'));
    await h.sessions.open(added.id);
    sim.print(`panic: runtime error at ${address}: nil pointer dereference\r\n`);
    await expect.poll(() => h.of('console.panic').length, { timeout: 10_000 }).toBe(1);
    const [panic] = h.of('console.panic');
    expect(panic.resolved).toMatchObject({ function: 'blink_led', line: 1 });
    expect(panic.resolved!.file).toMatch(/blink\.c$/);
  });

  it('reconnects by itself when the board unplugs and returns on another path with the same identity', async () => {
    const first = await board();
    const h = await harness();
    h.ports = [{ path: first.pty.hostPath, ...FEATHER }];
    await h.registry.refresh();
    expect(h.registry.get(FEATHER_ID)?.path).toBe(first.pty.hostPath);
    await h.sessions.open(FEATHER_ID);
    await send(h, FEATHER_ID, 'before\n');
    await h.waitForText(FEATHER_ID, 'echo: before');

    // Unplug: the pty vanishes and the OS stops listing it. (The return pty is made first so it
    // cannot reuse the same /dev/pts number.)
    const second = await board();
    expect(second.pty.hostPath).not.toBe(first.pty.hostPath);
    h.ports = [];
    await first.pty.close();
    await h.waitForState(FEATHER_ID, 'waiting-for-board');

    // A port with another identity appears: not ours.
    const stranger = await board();
    h.ports = [{ path: stranger.pty.hostPath, vendorId: '10c4', productId: 'ea60' }];
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(h.sessions.status(FEATHER_ID).state).toBe('waiting-for-board');

    // It comes back on a new path with the same USB serial number.
    h.ports = [
      { path: stranger.pty.hostPath, vendorId: '10c4', productId: 'ea60' },
      { path: second.pty.hostPath, ...FEATHER },
    ];
    await h.waitForState(FEATHER_ID, 'connected');
    expect(h.sessions.status(FEATHER_ID).path).toBe(second.pty.hostPath);
    const states = h
      .of('console.state')
      .filter((e) => e.boardId === FEATHER_ID)
      .map((e) => e.state);
    expect(states).toEqual(['opening', 'connected', 'waiting-for-board', 'reconnecting', 'connected']);
    await send(h, FEATHER_ID, 'after\n');
    await h.waitForText(FEATHER_ID, 'echo: after');
    expect(second.sim.received).toEqual(['after']);
  });

  it("follows a board without a serial number by its USB ids and moves its console to the board's new id", async () => {
    const TINYGO_APP = { vendorId: '239a', productId: '8029' }; // TinyGo USB-CDC apps set no serial number
    const first = await board();
    const h = await harness();
    h.ports = [{ path: first.pty.hostPath, ...TINYGO_APP }];
    await h.registry.refresh();
    const oldId = `usb:239a:8029@${first.pty.hostPath}`;
    await h.sessions.open(oldId, { lineEnding: 'crlf' });
    await send(h, oldId, 'before\n');
    const second = await board(); // made before the first closes, so it gets another pts number
    h.ports = [];
    await first.pty.close();
    await h.waitForState(oldId, 'waiting-for-board');
    h.ports = [{ path: second.pty.hostPath, ...TINYGO_APP }];

    // The board list shows it under a new (path-based) id; the console moves there by itself.
    const newId = `usb:239a:8029@${second.pty.hostPath}`;
    await h.waitForState(newId, 'connected');
    expect(h.of('console.state').find((e) => e.boardId === oldId && e.movedTo)).toMatchObject({ state: 'closed', movedTo: newId });
    expect(h.sessions.status(oldId).state).toBe('closed');
    expect(h.sessions.status(newId)).toMatchObject({ path: second.pty.hostPath, history: ['before'], settings: { lineEnding: 'crlf' } });
    await send(h, newId, 'moved\n');
    await h.waitForText(newId, 'echo: moved');
    await expect(h.sessions.open(newId)).resolves.toMatchObject({ state: 'connected' });
  });

  it('lends the port to a flash job and resumes by itself when the board returns', async () => {
    const first = await board();
    const h = await harness();
    h.ports = [{ path: first.pty.hostPath, ...FEATHER }];
    await h.registry.refresh();
    await h.sessions.open(FEATHER_ID);

    const lease = await h.sessions.lease(FEATHER_ID, 'Flashing blink.uf2');
    expect(lease.path).toBe(first.pty.hostPath);
    expect(h.sessions.status(FEATHER_ID)).toMatchObject({ state: 'paused-for-flash', detail: 'Flashing blink.uf2' });
    await expect(send(h, FEATHER_ID, 'x\n')).rejects.toMatchObject({ code: 'CONSOLE_NOT_CONNECTED' });

    // The "driver" can open the port exclusively: the session really closed it.
    const driver = new SerialPort({ path: lease.path, baudRate: 115200, lock: true, autoOpen: false });
    await new Promise<void>((resolve, reject) => driver.open((e) => (e ? reject(e) : resolve())));
    const heard = new Promise<string>((resolve) => driver.on('data', (d: Buffer) => resolve(d.toString())));
    driver.write('flashing\n');
    expect(await heard).toContain('echo: flashing');
    await new Promise<void>((resolve) => driver.close(() => resolve()));
    expect(h.text(FEATHER_ID)).not.toContain('echo: flashing');

    // The flash resets the board: it re-enumerates on a new path (application identity again).
    const second = await board();
    expect(second.pty.hostPath).not.toBe(first.pty.hostPath);
    h.ports = [];
    await first.pty.close();
    setTimeout(() => (h.ports = [{ path: second.pty.hostPath, ...FEATHER }]), 300);
    await lease.release({ expectReturn: { usbIds: ['239a:8029'], timeoutMs: 10_000 } });
    expect(h.sessions.status(FEATHER_ID)).toMatchObject({ state: 'connected', path: second.pty.hostPath });
    await send(h, FEATHER_ID, 'resumed\n');
    await h.waitForText(FEATHER_ID, 'echo: resumed');

    // And the whole flow again, with the board staying on its path (USB-UART bridge boards).
    const again = await h.sessions.lease(FEATHER_ID, 'Flashing again');
    expect(h.sessions.status(FEATHER_ID).state).toBe('paused-for-flash');
    await again.release();
    expect(h.sessions.status(FEATHER_ID).state).toBe('connected');
    await send(h, FEATHER_ID, 'once more\n');
    await h.waitForText(FEATHER_ID, 'echo: once more');
  });

  it('keeps several boards open at once, each with its own console, settings and history', async () => {
    const a = await board();
    const b = await board();
    const h = await harness();
    const boardA = await h.registry.addByPath(a.pty.hostPath);
    const boardB = await h.registry.addByPath(b.pty.hostPath);
    await h.sessions.open(boardA.id, { baudRate: 115200, lineEnding: 'crlf' });
    await h.sessions.open(boardB.id, { baudRate: 921600 });
    await Promise.all([send(h, boardA.id, 'to A\n'), send(h, boardB.id, 'to B\n')]);
    await h.waitForText(boardA.id, 'echo: to A');
    await h.waitForText(boardB.id, 'echo: to B');
    expect(h.text(boardA.id)).not.toContain('to B');
    expect(h.text(boardB.id)).not.toContain('to A');
    expect(a.sim.received).toEqual(['to A']);
    expect(b.sim.received).toEqual(['to B']);
    await h.sessions.close(boardA.id);
    expect(h.sessions.status(boardA.id)).toMatchObject({ state: 'closed', history: ['to A'], settings: { baudRate: 115200, lineEnding: 'crlf' } });
    expect(h.sessions.status(boardB.id)).toMatchObject({ state: 'connected', history: ['to B'], settings: { baudRate: 921600, lineEnding: 'lf' } });
  });

  it('without an open console, a lease is just the path and release does nothing', async () => {
    const { pty } = await board();
    const h = await harness();
    const added = await h.registry.addByPath(pty.hostPath);
    const lease = await h.sessions.lease(added.id, 'Flashing');
    expect(lease.path).toBe(pty.hostPath);
    await lease.release();
    expect(h.sessions.status(added.id).state).toBe('closed');
  });

  it('names the holder of a busy port', async () => {
    const { pty } = await board();
    const h = await harness();
    const added = await h.registry.addByPath(pty.hostPath);
    // A second opener that holds the port's lock, like screen or another serial monitor.
    const holder: ChildProcess = spawn('flock', ['--exclusive', pty.hostPath, 'sleep', '30'], { stdio: 'ignore', detached: true });
    const stopHolder = () => {
      try {
        process.kill(-holder.pid!, 'SIGTERM'); // flock and its sleep
      } catch {
        // already gone
      }
    };
    cleanups.push(stopHolder);
    await expect.poll(() => findPortHolders(pty.hostPath).some((h) => h.locks), { timeout: 5000 }).toBe(true);
    const status = await h.sessions.open(added.id);
    expect(status.state).toBe('error');
    expect(status.error?.code).toBe('PORT_BUSY');
    expect(status.error?.message).toContain(`is busy. It is held by flock (pid ${holder.pid})`);
    expect(status.error?.hint).toMatch(/^Close flock/);

    // Once the other program lets go, opening again works.
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    stopHolder();
    await exited;
    // flock's sleep child holds the lock until it too has died: wait until no process holds it (CI under load lost this race).
    await expect.poll(() => findPortHolders(pty.hostPath).some((h) => h.locks), { timeout: 5000 }).toBe(false);
    await expect(h.sessions.open(added.id)).resolves.toMatchObject({ state: 'connected' });
  });

  it('explains permission denied with the group to join and the udev rules file', async () => {
    const binding = new SimBinding();
    binding.register('/dev/ttyACM7', new TinyGoAppSim(), { openError: 'EACCES', info: { vendorId: '239a', productId: '8029', serialNumber: 'PERM1' } });
    const h = await harness({ binding });
    h.ports = (await binding.list()).map(({ path, vendorId, productId, serialNumber }) => ({ path, vendorId, productId, serialNumber }));
    await h.registry.refresh();
    const status = await h.sessions.open('usb:239a:8029:PERM1');
    expect(status.state).toBe('error');
    expect(status.error).toMatchObject({ code: 'PORT_EACCES', message: 'Permission denied opening /dev/ttyACM7.' });
    expect(status.error?.hint).toMatch(/usermod -aG (dialout|uucp) \$USER/);
    expect(status.error?.hint).toContain('resources/linux/60-flashdeck.rules');
  });

  it('explains permission denied for a device file without permission (the OS refuses the open)', async () => {
    // A real tty device whose node nobody may open, as a port is to a user outside dialout.
    const { pty } = await board();
    const path = pty.hostPath;
    chmodSync(path, 0o000);
    // The real native binding, loaded while this process may still read the checkout.
    const { autoDetect } = await import('@serialport/bindings-cpp');
    const h = await harness({ binding: autoDetect() });
    const added = await h.registry.addByPath(path);
    // Root opens any file, so as root only the open itself runs as "nobody", like a user outside
    // dialout. Nothing is loaded or spawned for it, so the checkout's location and mode never matter.
    const status = await withEffectiveUser(NOBODY, () => h.sessions.open(added.id));
    await h.sessions.close(added.id);
    expect(status.state).toBe('error');
    expect(status.error).toMatchObject({ code: 'PORT_EACCES', message: `Permission denied opening ${path}.` });
    expect(status.error?.hint).toMatch(/usermod -aG (dialout|uucp) \$USER/);
    expect(status.error?.hint).toContain('60-flashdeck.rules');
  });

  it('logs every byte with timestamps to a file in the chosen folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-log-'));
    const { pty } = await board();
    const h = await harness();
    const added = await h.registry.addByPath(pty.hostPath);
    h.sessions.setLogging(added.id, dir);
    await h.sessions.open(added.id);
    expect(h.sessions.status(added.id).logging.directory).toBe(dir);
    await send(h, added.id, 'burst 300\n');
    await h.waitForText(added.id, 'seq 300\r\n');
    await h.sessions.close(added.id);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const log = readFileSync(join(dir, files[0]), 'utf8');
    expect(log).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] seq 1\r$/m);
    expect(log).toMatch(/^\[[^\]]+\] seq 300\r$/m);
    expect(log.match(/\] seq \d+\r$/gm)).toHaveLength(300);
  });
});
