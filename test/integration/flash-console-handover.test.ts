/**
 * After a flash, the console shows the board's boot from its first byte: the ESP flash job hands
 * its open port to the console with what the board printed since its reset, instead of closing it
 * (a USB-serial bridge drops what arrives while no one has the port open, and so does the
 * in-process simulator binding used here).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAppServices, type AppServices } from '../../electron/services/app-services';
import { requestCaller } from './request-caller';
import type { EventPayload } from '../../electron/contract';
import { createInProcessBench } from '../../simulators/bench/in-process-bench';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-handover-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const services: AppServices = await createAppServices({
    dataDir,
    mode: 'serve',
    version: 'test',
    programsDir: join(dataDir, 'programs'),
    // Opening a USB-serial adapter's port takes a few milliseconds; the ROM speaks about as soon as EN rises.
    simulatedBench: createInProcessBench({ esp32: { openMs: 20 } }),
    log: () => {},
  });
  cleanups.push(() => services.close());
  const call = requestCaller(services.handlers);
  return { services, call };
}

/** Records the board's console states, and the text it passes on once it paused for a flash (the new firmware's). */
function watch(services: AppServices, boardId: string) {
  const seen = { states: [] as string[], afterPause: null as string | null, finished: null as EventPayload<'flash.finished'> | null };
  services.hub.subscribe((name, payload) => {
    if (name === 'console.state' && (payload as EventPayload<'console.state'>).boardId === boardId) {
      const { state } = payload as EventPayload<'console.state'>;
      seen.states.push(state);
      if (state === 'paused-for-flash') seen.afterPause = '';
    } else if (name === 'console.data' && seen.afterPause !== null) {
      for (const chunk of (payload as EventPayload<'console.data'>).chunks) seen.afterPause += Buffer.from(chunk.dataBase64, 'base64').toString('latin1');
    } else if (name === 'flash.finished') seen.finished = payload as EventPayload<'flash.finished'>;
  });
  return seen;
}

describe('the console after a flash', () => {
  it('shows the ROM banner and the new program from their first line, and reads on from the same port', async () => {
    const { services, call } = await setUp();
    const board = (await call('simulator.start', { kind: 'esp32' })) as { id: string };
    const seen = watch(services, board.id);
    await call('console.open', { boardId: board.id });
    await expect.poll(() => seen.states.at(-1), { timeout: 5000 }).toBe('connected');

    const sample = await call('simulator.sample', { boardId: board.id });
    await call('flash.start', { boardId: board.id, file: sample });
    await expect.poll(() => seen.finished, { timeout: 30_000 }).not.toBeNull();
    expect(seen.finished!.ok, JSON.stringify(seen.finished!.error)).toBe(true);
    await expect.poll(() => seen.afterPause, { timeout: 10_000 }).toMatch(/uptime_ms:\d+,heap_alloc:/);

    // From the ROM's first line on, in the ROM's own baud (not garbled by the flash's 921600), then the program.
    expect(seen.afterPause).toMatch(
      /^ets Jun {2}8 2016 00:22:57\r\n\r\nrst:0x1 \(POWERON_RESET\),boot:0x13 \(SPI_FAST_FLASH_BOOT\)\r\n[^]*entry 0x400d0020\r\nuptime_ms:0,heap_alloc:/,
    );
    // The console never closed the port in between: it went from paused straight back to connected.
    expect(seen.states.slice(seen.states.indexOf('paused-for-flash'))).toEqual(['paused-for-flash', 'connected']);
    const status = await call('console.status', { boardId: board.id });
    expect(status).toMatchObject({ state: 'connected', settings: { baudRate: 115200 } });
    // The reset left DTR and RTS low; once the chip had spoken (its strapping latched) the user's lines came back.
    await expect.poll(async () => ((await call('console.status', { boardId: board.id })) as { signals: unknown }).signals).toEqual({ dtr: true, rts: true });
    // And the board kept running the program (no second reset into the loader): its uptime goes on.
    await expect.poll(() => seen.afterPause, { timeout: 5000 }).toMatch(/uptime_ms:1000,/);
    expect(seen.afterPause!.match(/^ets Jun/gm)).toHaveLength(1);
  });

  it('reopens a console set to other line settings than the flasher used (7E1), and the program still shows', async () => {
    const { services, call } = await setUp();
    const board = (await call('simulator.start', { kind: 'esp32' })) as { id: string };
    const seen = watch(services, board.id);
    await call('console.open', { boardId: board.id, settings: { dataBits: 7, parity: 'even' } });
    await expect.poll(() => seen.states.at(-1), { timeout: 5000 }).toBe('connected');

    await call('flash.start', { boardId: board.id, file: await call('simulator.sample', { boardId: board.id }) });
    await expect.poll(() => seen.finished, { timeout: 30_000 }).not.toBeNull();
    expect(seen.finished!.ok, JSON.stringify(seen.finished!.error)).toBe(true);
    // Line settings are set only by an open: the console let the job close the port and opened its own.
    await expect.poll(() => seen.states.at(-1), { timeout: 10_000 }).toBe('connected');
    expect(seen.states.slice(seen.states.indexOf('paused-for-flash'))).toContain('reconnecting');
    await expect.poll(() => seen.afterPause, { timeout: 10_000 }).toMatch(/uptime_ms:\d+,heap_alloc:/);
    expect(await call('console.status', { boardId: board.id })).toMatchObject({ state: 'connected', settings: { dataBits: 7, parity: 'even' } });
  });
});
