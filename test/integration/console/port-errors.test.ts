/**
 * One classification of port errors for drivers, console and flash alike, tested with the words
 * each platform's serial binding really uses (node-serialport on Linux and macOS says "Error:
 * <strerror>, cannot open <path>"; on Windows it reports no errno code, only "Opening COM3: Access
 * denied", which there means another program has the port).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FlashdeckError } from '../../../drivers/common/errors';
import { classifyPortError, type PortErrorKind } from '../../../drivers/common/port-errors';
import { openPortForFlashing } from '../../../electron/services/flash/open-port';
import { touchSerialPortAt1200 } from '../../../drivers/nrf52/touch-1200';
import { SimBinding } from '../../../simulators/common/sim-binding';
import { TinyGoAppSim } from '../../../simulators/app/tinygo-app-sim';
import { createConsoleHarness, type ConsoleHarness } from './console-harness';

const WORDINGS: { os: string; message: string; kind: PortErrorKind; code: string }[] = [
  { os: 'Linux', message: 'Error Resource temporarily unavailable Cannot lock port', kind: 'busy', code: 'PORT_BUSY' },
  { os: 'Linux', message: 'Error: Device or resource busy, cannot open /dev/ttyACM0', kind: 'busy', code: 'PORT_BUSY' },
  { os: 'Linux', message: 'Error: Permission denied, cannot open /dev/ttyACM0', kind: 'permission', code: 'PORT_EACCES' },
  { os: 'Linux', message: 'Error: No such file or directory, cannot open /dev/ttyACM0', kind: 'not-found', code: 'PORT_NOT_FOUND' },
  { os: 'macOS', message: 'Error: Resource busy, cannot open /dev/cu.usbmodem14101', kind: 'busy', code: 'PORT_BUSY' },
  { os: 'macOS', message: 'Error: Permission denied, cannot open /dev/cu.usbmodem14101', kind: 'permission', code: 'PORT_EACCES' },
  { os: 'macOS', message: 'Error: No such file or directory, cannot open /dev/cu.usbmodem14101', kind: 'not-found', code: 'PORT_NOT_FOUND' },
  { os: 'Windows', message: 'Opening COM3: Access denied', kind: 'busy', code: 'PORT_BUSY' },
  { os: 'Windows', message: 'Access is denied.', kind: 'busy', code: 'PORT_BUSY' },
  { os: 'Windows', message: 'Opening COM9: File not found', kind: 'not-found', code: 'PORT_NOT_FOUND' },
  { os: 'Windows', message: 'The system cannot find the file specified.', kind: 'not-found', code: 'PORT_NOT_FOUND' },
];

describe('classifying port errors', () => {
  it.each(WORDINGS)('$os: "$message" is $kind', ({ message, kind }) => {
    expect(classifyPortError(new Error(message))).toBe(kind);
  });

  it('tells a device that went away under an open port from one that was never there', () => {
    expect(classifyPortError(new Error('Error: Input/output error'))).toBe('vanished'); // Linux EIO on unplug
    expect(classifyPortError(new Error('Error: Device not configured, cannot open /dev/cu.usbmodem1'))).toBe('vanished'); // macOS ENXIO
    expect(classifyPortError(new Error('Reading from COM port (ReadIOCompletion): Operation aborted'))).toBe('vanished');
    expect(classifyPortError(Object.assign(new Error('Port closed'), { disconnected: true }))).toBe('vanished');
    expect(classifyPortError(new Error('Opening COM3: Unknown error code 87'))).toBe('other');
  });
});

let harness: ConsoleHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

/** One simulated board per wording, each refusing its open with that wording and no errno code. */
async function boardsRefusingWith(wordings: typeof WORDINGS): Promise<{ h: ConsoleHarness; binding: SimBinding; ids: string[] }> {
  const binding = new SimBinding();
  wordings.forEach(({ message }, i) => {
    binding.register(`/dev/ttyACM${10 + i}`, new TinyGoAppSim(), { openError: { message }, info: { vendorId: '239a', productId: '8029', serialNumber: `OS${i}` } });
  });
  const h = await createConsoleHarness({ binding, pathExists: () => true, busyGraceMs: 0 });
  harness = h;
  h.ports = (await binding.list()).map(({ path, vendorId, productId, serialNumber }) => ({ path, vendorId, productId, serialNumber }));
  await h.registry.refresh();
  return { h, binding, ids: wordings.map((_, i) => `usb:239a:8029:OS${i}`) };
}

describe('the console and a flash job explain each wording alike', () => {
  it('console: busy and permission become the error state with their own code and next step; a missing port is waited for', async () => {
    const { h, ids } = await boardsRefusingWith(WORDINGS);
    for (const [i, { os, message, code }] of WORDINGS.entries()) {
      const status = await h.sessions.open(ids[i]);
      if (code === 'PORT_NOT_FOUND') {
        expect(status.state, `${os}: ${message}`).toBe('waiting-for-board');
        continue;
      }
      expect(status.state, `${os}: ${message}`).toBe('error');
      expect(status.error?.code, `${os}: ${message}`).toBe(code);
      expect(status.error?.hint, `${os}: ${message}`).toMatch(code === 'PORT_BUSY' ? /^Close other serial monitors/ : /usermod -aG \w+ \$USER/);
    }
  });

  it('flash: the port open for a flash job carries the same code and words', async () => {
    const { h, binding, ids } = await boardsRefusingWith(WORDINGS);
    for (const [i, { os, message, code }] of WORDINGS.entries()) {
      const board = h.registry.get(ids[i])!;
      const error = (await openPortForFlashing(board.path, board, 115200, binding).then(
        () => new Error('opened'),
        (e: unknown) => e,
      )) as FlashdeckError;
      expect(error, `${os}: ${message}`).toBeInstanceOf(FlashdeckError);
      expect(error, `${os}: ${message}`).toMatchObject({ code, stage: 'connecting' });
      if (code === 'PORT_BUSY') expect(error.message).toBe(`${board.path} is busy. Another program holds it (the OS did not say which).`);
      if (code === 'PORT_EACCES') expect(error.hint).toContain('60-flashdeck.rules');
      if (code === 'PORT_NOT_FOUND') expect(error.hint).toBe('Plug the board in (or put it back in its bootloader) and flash again.');
    }
  });

  it('1200-baud touch: a busy or refused port is that, named alike; anything else asks for a double-tap', async () => {
    const { binding, h, ids } = await boardsRefusingWith(WORDINGS);
    for (const [i, { os, message, code }] of WORDINGS.entries()) {
      const { path } = h.registry.get(ids[i])!;
      const error = (await touchSerialPortAt1200({ path, binding, attempts: 1 }).then(
        () => new Error('touched'),
        (e: unknown) => e,
      )) as FlashdeckError;
      const expected = code === 'PORT_NOT_FOUND' ? 'NRF_TOUCH_FAILED' : code;
      expect(error, `${os}: ${message}`).toMatchObject({ code: expected, stage: 'entering-bootloader' });
    }
  });
});
