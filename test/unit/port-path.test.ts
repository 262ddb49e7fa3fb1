import { describe, expect, it } from 'vitest';
import { checkPortPath, type PortPathContext } from '../../electron/services/ports/port-path';
import { BoardRegistry } from '../../electron/services/ports/board-registry';
import { BoardStore } from '../../electron/services/store/board-store';
import { openDatabase } from '../../electron/services/store/database';

/** A file system of a few nodes, as `stat` (following links) would describe them. */
function machine(platform: NodeJS.Platform, nodes: Record<string, ReturnType<PortPathContext['kind']>> = {}): PortPathContext {
  return { platform, kind: (path) => nodes[path] };
}

const linux = machine('linux', {
  '/dev/ttyUSB0': 'character-device',
  '/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0': 'character-device',
  '/dev/pts/3': 'character-device',
  '/etc/passwd': 'file',
  '/dev': 'directory',
  '/tmp/fifo': 'other',
});
const mac = machine('darwin', { '/dev/cu.usbserial-0001': 'character-device', '/dev/tty.usbmodem14101': 'character-device', '/Users/ana/notes.txt': 'file' });
const windows = machine('win32');

describe('port paths a user may add by hand', () => {
  it('Linux: accepts character devices (by-id links too) and /dev paths not plugged in yet', () => {
    expect(checkPortPath('/dev/ttyUSB0', linux)).toEqual({ ok: true, path: '/dev/ttyUSB0' });
    expect(checkPortPath('  /dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0 ', linux)).toMatchObject({ ok: true });
    expect(checkPortPath('/dev/pts/3', linux)).toMatchObject({ ok: true });
    expect(checkPortPath('/dev/ttyACM0', linux)).toEqual({ ok: true, path: '/dev/ttyACM0' });
    expect(checkPortPath('/dev/rfcomm0', linux)).toMatchObject({ ok: true });
  });

  it('Linux: refuses relative paths, ordinary files, folders, traversal out of /dev, and absent paths outside /dev', () => {
    expect(checkPortPath('../../../../etc/passwd', linux)).toMatchObject({ ok: false, reason: expect.stringContaining('not an absolute path') });
    expect(checkPortPath('not a path at all', linux)).toMatchObject({ ok: false, reason: expect.stringContaining('not an absolute path') });
    expect(checkPortPath('ttyUSB0', linux)).toMatchObject({ ok: false });
    expect(checkPortPath('/etc/passwd', linux)).toMatchObject({ ok: false, reason: '/etc/passwd is an ordinary file, not a serial device.' });
    expect(checkPortPath('/dev/../etc/passwd', linux)).toMatchObject({ ok: false, reason: '/etc/passwd is an ordinary file, not a serial device.' });
    expect(checkPortPath('/dev', linux)).toMatchObject({ ok: false, reason: '/dev is a folder, not a serial device.' });
    expect(checkPortPath('/tmp/fifo', linux)).toMatchObject({ ok: false, reason: expect.stringContaining('not a device') });
    expect(checkPortPath('/home/ana/ttyUSB0', linux)).toMatchObject({ ok: false, reason: expect.stringContaining('would be under /dev/') });
  });

  it('refuses empty, absurdly long, and control-character paths with a reason and the next step', () => {
    for (const input of ['', '   ', `/dev/${'x'.repeat(5000)}`, '/dev/ttyUSB0\n--rm -rf', '/dev/tty\0USB0']) {
      const check = checkPortPath(input, linux);
      expect(check.ok).toBe(false);
      if (!check.ok) expect(check.hint).toMatch(/\/dev\/ttyUSB0.*COM3/);
    }
  });

  it('macOS: accepts cu. and tty. devices, refuses files', () => {
    expect(checkPortPath('/dev/cu.usbserial-0001', mac)).toMatchObject({ ok: true });
    expect(checkPortPath('/dev/tty.usbmodem14101', mac)).toMatchObject({ ok: true });
    expect(checkPortPath('/dev/cu.usbmodem-not-yet', mac)).toMatchObject({ ok: true });
    expect(checkPortPath('/Users/ana/notes.txt', mac)).toMatchObject({ ok: false });
  });

  it('Windows: accepts COM names (any case, the \\\\.\\ form too), refuses paths', () => {
    expect(checkPortPath('COM3', windows)).toEqual({ ok: true, path: 'COM3' });
    expect(checkPortPath('com12', windows)).toEqual({ ok: true, path: 'COM12' });
    expect(checkPortPath('\\\\.\\COM27', windows)).toEqual({ ok: true, path: 'COM27' });
    expect(checkPortPath('COM0', windows)).toMatchObject({ ok: false });
    expect(checkPortPath('C:\\Windows\\win.ini', windows)).toMatchObject({ ok: false, hint: expect.stringContaining('Device Manager') });
    expect(checkPortPath('/dev/ttyUSB0', windows)).toMatchObject({ ok: false });
  });

  it('the board registry refuses what cannot be a port and adds nothing', async () => {
    const store = new BoardStore(openDatabase(':memory:'));
    const registry = new BoardRegistry({ lister: async () => [], store, portPathContext: linux });
    await expect(registry.addByPath('../../../../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_PORT_PATH', stage: 'adding-board' });
    await expect(registry.addByPath('/etc/passwd')).rejects.toMatchObject({ code: 'INVALID_PORT_PATH', message: '/etc/passwd is an ordinary file, not a serial device.' });
    expect(await registry.refresh()).toEqual([]);
    expect(await registry.addByPath('/dev/../dev/ttyUSB0', 'Bench')).toMatchObject({ id: 'port:/dev/ttyUSB0', name: 'Bench' });
  });
});
