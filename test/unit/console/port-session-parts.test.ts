/**
 * The jobs a console's port session hands to modules of their own: line dispatch (console bytes,
 * telemetry, panics, the log) and lending the port (released once, waited for at most so long).
 */
import { describe, expect, it } from 'vitest';
import { ConsoleDispatch, type PanicReport } from '../../../electron/services/ports/console-dispatch';
import { createLease } from '../../../electron/services/ports/port-lease';
import type { TelemetryBatch } from '../../../electron/services/telemetry/telemetry-batcher';

const bytes = (text: string) => new TextEncoder().encode(text);

function dispatchRig() {
  const text: string[] = [];
  const telemetry: TelemetryBatch[] = [];
  const panics: PanicReport[] = [];
  const logged: string[] = [];
  const dispatch = new ConsoleDispatch({
    events: {
      data: (chunks) => text.push(...chunks.map((c) => new TextDecoder().decode(c.bytes))),
      telemetry: (batch) => telemetry.push(batch),
      panic: (report) => panics.push(report),
    },
    elfPath: () => null,
    log: (_t, b) => logged.push(new TextDecoder().decode(b)),
    batchIntervalMs: 5,
    telemetryIntervalMs: 5,
  });
  return { dispatch, text, telemetry, panics, logged };
}

describe('console line dispatch', () => {
  it('sends every byte to the console and the log, plotter lines to telemetry and panics to the symbolizer', async () => {
    const rig = dispatchRig();
    rig.dispatch.receive(bytes('hello\ntemp:21.5,hum:40\npanic: runtime error at 0x0002a0c4: index out of range\n'));
    rig.dispatch.flush();
    await expect.poll(() => rig.panics.length).toBe(1);
    expect(rig.text.join('')).toContain('hello\ntemp:21.5');
    expect(rig.logged.join('')).toBe('hello\ntemp:21.5,hum:40\npanic: runtime error at 0x0002a0c4: index out of range\n');
    expect(rig.telemetry.flatMap((b) => b.series.temp ?? [])).toEqual([21.5]);
    expect(rig.panics[0]).toMatchObject({ address: '0x0002a0c4', message: 'index out of range', resolved: null, note: expect.stringContaining('No ELF') });
    expect(rig.dispatch.bytesReceived).toBe(bytes('hello\ntemp:21.5,hum:40\npanic: runtime error at 0x0002a0c4: index out of range\n').length);
    rig.dispatch.dispose();
  });

  it('forgets a half line when the port closes, so it is never glued to the next connection', () => {
    const rig = dispatchRig();
    rig.dispatch.receive(bytes('temp:'));
    rig.dispatch.flush();
    rig.dispatch.receive(bytes('22\n'));
    rig.dispatch.flush();
    expect(rig.telemetry.flatMap((b) => b.series.temp ?? [])).toEqual([]);
    rig.dispatch.dispose();
  });
});

describe('a port lease', () => {
  it('hands the port back once, and waits for the board no longer than asked', async () => {
    let givenBack = 0;
    const lease = createLease(
      '/dev/ttyACM0',
      60_000,
      () => {
        givenBack++;
        return new Promise<void>(() => {}); // the board never returns
      },
      () => false,
    );
    // Resolves although the board never returns (else the test would hang).
    await lease.release({ expectReturn: { timeoutMs: 50 } });
    await lease.release();
    expect(givenBack).toBe(1);
  });

  it('is released by a hand-over the console takes, and not by one it refuses', async () => {
    const port = { link: {} as never, framing: {}, close: async () => {} };
    let givenBack = 0;
    let accept = false;
    const adopted: Uint8Array[] = [];
    const make = () =>
      createLease(
        '/dev/ttyUSB0',
        60_000,
        () => {
          givenBack++;
          return undefined;
        },
        (_opened, received) => {
          if (accept) adopted.push(received);
          return accept;
        },
      );
    const refused = make();
    expect(refused.handOver!(port, new Uint8Array([1]))).toBe(false);
    await refused.release();
    expect(givenBack).toBe(1); // the console reopens as after any flash

    accept = true;
    const taken = make();
    expect(taken.handOver!(port, new Uint8Array([2]))).toBe(true);
    expect(taken.handOver!(port, new Uint8Array([3]))).toBe(false); // once
    await taken.release();
    expect(givenBack).toBe(1); // nothing to give back: the console has the port
    expect(adopted).toEqual([new Uint8Array([2])]);
  });
});
