import { afterEach, describe, expect, it } from 'vitest';
import { createConnection } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { borrowFromApp, brokerAddress, startPortBroker } from '../../electron/services/ports/port-broker';
import { FlashdeckError } from '../../drivers/common/errors';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function broker(lease: (path: string, reason: string) => Promise<{ path: string; release(): Promise<void> } | null>) {
  const dir = mkdtempSync(join(tmpdir(), 'flashdeck-broker-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const address = brokerAddress(dir);
  const running = await startPortBroker({ address, lease, log: () => {} });
  cleanups.push(() => running.close());
  return address;
}

describe('port broker (the app lends console ports to the command line)', () => {
  it('lends, and takes the port back on return or when the borrower vanishes', async () => {
    const events: string[] = [];
    const address = await broker(async (path, reason) => {
      events.push(`lease ${path}: ${reason}`);
      return { path, release: async () => void events.push(`release ${path}`) };
    });
    const borrowed = await borrowFromApp(address, { path: '/dev/ttyUSB0', reason: 'Flashing a.bin', program: 'flashdeck' });
    expect(borrowed).not.toBeNull();
    await borrowed!.release();
    expect(events).toEqual([`lease /dev/ttyUSB0: Flashing a.bin (flashdeck, pid ${process.pid})`, 'release /dev/ttyUSB0']);

    // A command that crashes mid-flash: its socket closes, the console resumes anyway.
    const raw = createConnection(address);
    raw.write(JSON.stringify({ type: 'borrow', path: '/dev/ttyUSB1', reason: 'x', program: 'flashdeck', pid: 1 }) + '\n');
    await expect.poll(() => events.length).toBe(3);
    raw.destroy();
    await expect.poll(() => events.at(-1)).toBe('release /dev/ttyUSB1');
  });

  it('says when nothing is held, passes refusals on as errors, and drops malformed clients', async () => {
    const address = await broker(async (path) => {
      if (path === '/dev/busy') throw new FlashdeckError({ code: 'PORT_LEASED', stage: 'lease', message: '/dev/busy is already lent to another job.' });
      return null;
    });
    await expect(borrowFromApp(address, { path: '/dev/free', reason: 'r', program: 'flashdeck' })).resolves.toBeNull();
    await expect(borrowFromApp(address, { path: '/dev/busy', reason: 'r', program: 'flashdeck' })).rejects.toMatchObject({ code: 'PORT_LEASED' });
    const raw = createConnection(address);
    raw.on('error', () => {});
    raw.write('{"type":"borrow","path":1}\n');
    await new Promise((resolve) => raw.once('close', resolve));
    // No app at all: nothing to borrow from.
    await expect(borrowFromApp(join(tmpdir(), 'no-such-flashdeck', 'ports.sock'), { path: '/dev/x', reason: 'r', program: 'flashdeck' })).resolves.toBeNull();
  });
});
