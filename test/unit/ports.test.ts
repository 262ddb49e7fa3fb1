import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSystemPortLister, listFromSysfs } from '../../electron/services/ports/port-lister';
import { checkSerialAccess } from '../../electron/services/ports/serial-access';
import { BoardRegistry } from '../../electron/services/ports/board-registry';
import { BoardStore } from '../../electron/services/store/board-store';
import { openDatabase } from '../../electron/services/store/database';
import type { SerialPortInfo } from '../../drivers/common/port-watch';
import { findBoard } from '../../drivers/common/board-catalogue';

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'flashdeck-unit-'));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fake /sys with one CP2102 on ttyUSB0, one nRF52840 CDC on ttyACM0 and a phantom ttyS0. */
function fakeSysfs(): string {
  const root = tempDir();
  const usbDevice = (bus: string, attrs: Record<string, string>) => {
    const dir = join(root, 'devices', 'pci0000:00', bus);
    mkdirSync(join(dir, `${bus}:1.0`), { recursive: true });
    for (const [name, value] of Object.entries(attrs)) writeFileSync(join(dir, name), `${value}\n`);
    return join(dir, `${bus}:1.0`);
  };
  const cp2102 = usbDevice('1-1', { idVendor: '10c4', idProduct: 'ea60', serial: '0001', manufacturer: 'Silicon Labs' });
  const feather = usbDevice('1-2', { idVendor: '239A', idProduct: '802A', manufacturer: 'Adafruit' });
  const platformUart = join(root, 'devices', 'platform', 'serial8250', 'tty', 'ttyS0');
  mkdirSync(platformUart, { recursive: true });
  mkdirSync(join(root, 'bus', 'platform', 'drivers', 'serial8250'), { recursive: true });
  symlinkSync(join(root, 'bus', 'platform', 'drivers', 'serial8250'), join(platformUart, 'driver'));
  for (const [name, device] of [
    ['ttyUSB0', cp2102],
    ['ttyACM0', feather],
    ['ttyS0', platformUart],
  ] as const) {
    mkdirSync(join(root, 'class', 'tty', name), { recursive: true });
    symlinkSync(device, join(root, 'class', 'tty', name, 'device'));
  }
  mkdirSync(join(root, 'class', 'tty', 'tty1'), { recursive: true }); // virtual console: no device link
  return root;
}

describe('port listing', () => {
  it('reads USB identities from sysfs and skips phantom UARTs and virtual consoles', () => {
    expect(listFromSysfs(fakeSysfs())).toEqual([
      { path: '/dev/ttyACM0', vendorId: '239a', productId: '802a', serialNumber: undefined, manufacturer: 'Adafruit' },
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: '0001', manufacturer: 'Silicon Labs' },
    ]);
  });

  it('never spawns a missing udevadm: without it, Linux listing falls back to sysfs', async () => {
    const sysfsRoot = fakeSysfs();
    const lister = createSystemPortLister({ platform: 'linux', sysfsRoot, pathEnv: tempDir() });
    const ports = await lister();
    expect(ports.map((port) => port.path)).toEqual(['/dev/ttyACM0', '/dev/ttyUSB0']);
  });
});

describe('serial access', () => {
  it('tells a user outside dialout which command fixes it', () => {
    const dir = tempDir();
    const groupFile = join(dir, 'group');
    writeFileSync(groupFile, 'root:x:0:\ndialout:x:20:alice\nplugdev:x:46:bob\n');
    expect(checkSerialAccess({ platform: 'linux', groupFile, uid: 1001, gids: [1001, 46], user: 'bob' })).toMatchObject({
      ok: false,
      group: 'dialout',
      hint: expect.stringContaining('sudo usermod -aG dialout $USER'),
    });
    expect(checkSerialAccess({ platform: 'linux', groupFile, uid: 1000, gids: [1000], user: 'alice' }).ok).toBe(true);
  });

  it('names uucp on Arch-style systems', () => {
    const groupFile = join(tempDir(), 'group');
    writeFileSync(groupFile, 'uucp:x:14:\n');
    expect(checkSerialAccess({ platform: 'linux', groupFile, uid: 1000, gids: [1000], user: 'carol' })).toMatchObject({ ok: false, group: 'uucp' });
  });
});

describe('board registry', () => {
  function registry(ports: SerialPortInfo[], existing = new Set<string>()) {
    const db = openDatabase(':memory:');
    const changes: number[] = [];
    const reg = new BoardRegistry({
      lister: async () => ports,
      store: new BoardStore(db),
      pathExists: (path) => existing.has(path),
      onChange: (boards) => changes.push(boards.length),
    });
    return { reg, db, changes };
  }

  it('guesses boards from USB identities and ignores ports without one', async () => {
    const { reg } = registry([
      { path: '/dev/ttyACM0', vendorId: '239a', productId: '802a' },
      { path: '/dev/ttyACM1', vendorId: '239a', productId: '0029' },
      { path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: 'ABC' },
      { path: '/dev/ttyS0' },
    ]);
    const boards = await reg.refresh();
    expect(boards.map((b) => [b.id, b.guess.label, b.guess.mode])).toEqual([
      ['usb:239a:802a@/dev/ttyACM0', 'Adafruit Feather nRF52840 Express', 'application'],
      ['usb:239a:0029@/dev/ttyACM1', 'nice!nano or 2 others', 'unknown'],
      ['usb:10c4:ea60:ABC', 'Silicon Labs CP210x bridge — likely an ESP32 board', 'unknown'],
    ]);
  });

  it('keeps names and pinned targets across restarts, and adds ports by path', async () => {
    const ports: SerialPortInfo[] = [{ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: 'ABC' }];
    const { reg, db, changes } = registry(ports, new Set(['/dev/rfcomm0']));
    await reg.refresh();
    await reg.update('usb:10c4:ea60:ABC', { name: 'Feather #2', target: 'adafruit-esp32-feather-v2' });
    const manual = await reg.addByPath('/dev/rfcomm0', 'BT bridge');
    expect(manual).toMatchObject({ id: 'port:/dev/rfcomm0', manual: true, present: true, name: 'BT bridge' });

    // A new registry over the same database: a restart.
    const again = new BoardRegistry({ lister: async () => ports, store: new BoardStore(db), pathExists: () => false });
    const boards = await again.refresh();
    expect(boards.find((b) => b.id === 'usb:10c4:ea60:ABC')).toMatchObject({
      name: 'Feather #2',
      target: 'adafruit-esp32-feather-v2',
      guess: { label: 'Adafruit ESP32 Feather V2', chip: 'ESP32' },
    });
    expect(boards.find((b) => b.id === 'port:/dev/rfcomm0')).toMatchObject({ present: false, name: 'BT bridge' });
    expect(changes.length).toBeGreaterThanOrEqual(3);
  });

  it('a chip a flash read names a port without USB identity, narrows its targets to that chip, and is kept across restarts', async () => {
    const ports: SerialPortInfo[] = [{ path: '/dev/ttyUSB0', vendorId: '10c4', productId: 'ea60', serialNumber: 'ABC' }];
    const { reg, db } = registry(ports, new Set(['/dev/pts/7']));
    await reg.refresh();
    const manual = await reg.addByPath('/dev/pts/7');
    expect(manual.guess).toMatchObject({ label: 'Unknown board', confidence: 'unknown', targets: [] });
    await reg.noteDetectedChip(manual.id, { chip: 'ESP32', description: 'ESP32 (revision v3.1)', at: 1_000 });
    await reg.noteDetectedChip('usb:10c4:ea60:ABC', { chip: 'ESP32-C3', description: 'ESP32-C3 (revision v0.4)', at: 2_000 });

    const again = new BoardRegistry({ lister: async () => ports, store: new BoardStore(db), pathExists: () => true });
    const boards = await again.refresh();
    const pty = boards.find((b) => b.id === manual.id)!;
    expect(pty.detected).toEqual({ chip: 'ESP32', description: 'ESP32 (revision v3.1)', at: 1_000 });
    expect(pty.guess).toMatchObject({ label: 'ESP32 board', confidence: 'chip', chip: 'ESP32', family: 'esp32' });
    expect(pty.guess.targets).toContain('esp32-coreboard-v2');
    expect(pty.guess.targets.every((target) => findBoard(target)?.chip === 'ESP32')).toBe(true);
    // A bridge says "likely ESP32"; the chip read through it says which one.
    const bridged = boards.find((b) => b.id === 'usb:10c4:ea60:ABC')!;
    expect(bridged.guess).toMatchObject({ label: 'ESP32-C3 board', chip: 'ESP32-C3' });
    expect(bridged.guess.targets.every((target) => findBoard(target)?.chip === 'ESP32-C3')).toBe(true);
    // A model the user picks wins over the detected chip.
    const pinned = await again.update(manual.id, { target: 'adafruit-esp32-feather-v2' });
    expect(pinned.guess).toMatchObject({ label: 'Adafruit ESP32 Feather V2', confidence: 'exact' });
    expect(pinned.detected?.chip).toBe('ESP32');
  });

  it('ignores a detected chip it does not know, and a board it no longer lists', async () => {
    const { reg } = registry([], new Set(['/dev/pts/8']));
    const manual = await reg.addByPath('/dev/pts/8');
    await reg.noteDetectedChip(manual.id, { chip: 'ESP8266', description: 'ESP8266', at: 1 });
    // Kept as read (the header shows it), but it names no board and narrows nothing: Flashdeck flashes no ESP8266.
    expect(reg.get(manual.id)!.detected).toEqual({ chip: 'ESP8266', description: 'ESP8266', at: 1 });
    expect(reg.get(manual.id)!.guess.label).toBe('Unknown board');
    expect(reg.get(manual.id)!.guess.family).toBeUndefined();
    await expect(reg.noteDetectedChip('port:/dev/gone', { chip: 'ESP32', description: 'ESP32', at: 1 })).resolves.toBeUndefined();
    expect(reg.get('port:/dev/gone')).toBeUndefined();
  });

  it('adding the path of a listed USB port names that board instead of duplicating it', async () => {
    const { reg } = registry([{ path: '/dev/ttyACM0', vendorId: '239a', productId: '802a' }]);
    const board = await reg.addByPath('/dev/ttyACM0', 'Feather');
    expect(board.id).toBe('usb:239a:802a@/dev/ttyACM0');
    expect(reg.list()).toHaveLength(1);
  });

  it('lets a driver wait for a board to re-enumerate, and gives up with a clear error', async () => {
    const ports: SerialPortInfo[] = [];
    const { reg } = registry(ports);
    const waiting = reg.portWatch.waitFor((p) => p.vendorId === '239a' && p.productId === '802a', 2000);
    ports.push({ path: '/dev/ttyACM3', vendorId: '239a', productId: '802a' });
    await reg.refresh();
    await expect(waiting).resolves.toMatchObject({ path: '/dev/ttyACM3' });
    await expect(reg.portWatch.waitFor(() => false, 50)).rejects.toMatchObject({ code: 'BOARD_DID_NOT_RETURN', hint: expect.stringContaining('replug') });
    // A job cancelled before it starts waiting ends as cancelled at once, not after the timeout.
    const cancelled = new AbortController();
    cancelled.abort();
    await expect(reg.portWatch.waitFor(() => true, 10_000, cancelled.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('survives a lister that throws', async () => {
    const errors: unknown[] = [];
    const reg = new BoardRegistry({
      lister: async () => {
        throw new Error('spawn udevadm ENOENT');
      },
      store: new BoardStore(openDatabase(':memory:')),
      onListError: (error) => errors.push(error),
    });
    await expect(reg.refresh()).resolves.toEqual([]);
    expect(errors).toHaveLength(1);
  });
});

describe('hot-plug without polling', () => {
  it('lists ports when the device watch fires, not on a fast timer', async () => {
    const ports: SerialPortInfo[] = [];
    let listings = 0;
    let fire = () => {};
    const reg = new BoardRegistry({
      lister: async () => {
        listings++;
        return [...ports];
      },
      store: new BoardStore(openDatabase(':memory:')),
      deviceWatch: (onChange) => {
        fire = onChange;
        return () => {};
      },
      watchedPollMs: 60_000,
    });
    await reg.start();
    const afterStart = listings;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(listings).toBe(afterStart); // no 500 ms polling while a watch is in place
    ports.push({ path: '/dev/ttyACM0', vendorId: '239a', productId: '802a' });
    fire();
    fire(); // a burst of inotify events is one listing
    await expect.poll(() => reg.list().length, { timeout: 1000 }).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(listings).toBe(afterStart + 2); // once at once, once more after udev has settled
    reg.stop();
  });
});
