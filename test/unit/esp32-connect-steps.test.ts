/**
 * The connect steps that cost wall time without using the line, against scripted links: which chip
 * detection questions are asked, how the reset's boot wait ends, and the banner watch behind it.
 */
import { describe, expect, it } from 'vitest';
import type { ByteLink, ControlSignals } from '../../drivers/common/byte-link';
import type { DriverClock } from '../../drivers/common/clock';
import { FlashdeckError, cancelledError } from '../../drivers/common/errors';
import { slipEncode } from '../../drivers/common/slip';
import { detectChip } from '../../drivers/esp32/chips';
import { EspRomLoader, LoaderChannel } from '../../drivers/esp32/loader';
import { Op, encodeResponse, words } from '../../drivers/esp32/protocol';
import { runResetSequence } from '../../drivers/esp32/reset';
import { manualClock } from './manual-clock';

/** A link whose "board" answers each command by opcode; it records the opcodes and control-line changes. */
function scriptedLink(answers: Partial<Record<number, number[][]>>) {
  const listeners = new Set<(b: Uint8Array) => void>();
  const closers = new Set<(e: Error | null) => void>();
  const ops: number[] = [];
  const lines: Partial<ControlSignals>[] = [];
  const link: ByteLink = {
    path: '/dev/scripted',
    baudRate: 115200,
    signals: { dtr: false, rts: false },
    async write(bytes) {
      const op = bytes[2];
      ops.push(op);
      const replies = (answers[op] ?? []).map((body) => slipEncode(encodeResponse(op, body[0] ?? 0, Uint8Array.from(body.slice(1)))));
      setTimeout(() => replies.forEach((r) => listeners.forEach((l) => l(r))), 1);
    },
    onData(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    onClose(l) {
      closers.add(l);
      return () => closers.delete(l);
    },
    async setBaudRate() {},
    async setSignals(s) {
      lines.push(s);
    },
    async flushInput() {},
  };
  const emit = (text: string) => listeners.forEach((l) => l(new Uint8Array(Buffer.from(text, 'latin1'))));
  const emitBytes = (bytes: Uint8Array) => listeners.forEach((l) => l(bytes));
  const unplug = () => closers.forEach((c) => c(new Error('EIO')));
  return { link, ops, lines, emit, emitBytes, unplug };
}

const OK = [0, 0, 0, 0];
/** A GET_SECURITY_INFO payload of the S3-and-later form (20 bytes) carrying `chipId`. */
const securityInfo = (chipId: number) => [0, ...words(0, 0, 0, chipId, 1), ...OK];

describe('chip detection', () => {
  it('names an ESP32 by its magic register and never asks it GET_SECURITY_INFO (its ROM does not know it)', async () => {
    const board = scriptedLink({ [Op.READ_REG]: [[0x00f01d83, ...OK]] });
    const chip = await detectChip(new EspRomLoader(board.link, { timeouts: { defaultMs: 200 } }));
    expect(chip.name).toBe('esp32');
    expect(board.ops).toEqual([Op.READ_REG]);
  });

  it('names later chips by GET_SECURITY_INFO chip id, which wins over a magic value', async () => {
    const c3 = scriptedLink({ [Op.READ_REG]: [[0x1b31506f, ...OK]], [Op.GET_SECURITY_INFO]: [securityInfo(5)] });
    expect((await detectChip(new EspRomLoader(c3.link))).name).toBe('esp32c3');
    expect(c3.ops).toEqual([Op.READ_REG, Op.GET_SECURITY_INFO]);

    // 0x9 is the ESP32-S3's magic value, but newer chips' magic registers are not unique: the chip id decides.
    const c2 = scriptedLink({ [Op.READ_REG]: [[0x9, ...OK]], [Op.GET_SECURITY_INFO]: [securityInfo(12)] });
    const e = await detectChip(new EspRomLoader(c2.link)).then(
      () => null,
      (error: unknown) => error,
    );
    expect(e).toBeInstanceOf(FlashdeckError);
    expect(e).toMatchObject({ code: 'ESP_UNKNOWN_CHIP', message: 'The board is an ESP32-C2, which Flashdeck cannot flash yet.' });
  });

  it('names an ESP32-S2 by its magic value without asking GET_SECURITY_INFO (its reply has no chip id)', async () => {
    const s2 = scriptedLink({ [Op.READ_REG]: [[0x000007c6, ...OK]], [Op.GET_SECURITY_INFO]: [[0, ...new Array(12).fill(0), ...OK]] });
    expect((await detectChip(new EspRomLoader(s2.link))).name).toBe('esp32s2');
    expect(s2.ops).toEqual([Op.READ_REG]);
  });

  it('falls back to the chip id when READ_REG is refused (Secure Download Mode), in either reply form', async () => {
    const sameOp = scriptedLink({ [Op.READ_REG]: [[0, 1, 5, 0, 0]], [Op.GET_SECURITY_INFO]: [securityInfo(9)] });
    expect((await detectChip(new EspRomLoader(sameOp.link))).name).toBe('esp32s3');
    expect(sameOp.ops).toEqual([Op.READ_REG, Op.GET_SECURITY_INFO]);

    // The other form: eight "invalid message" replies under opcode 0, which never answer READ_REG by opcode.
    const refusals = Array.from({ length: 8 }, () => [0, 1, 5, 0, 0]);
    const otherOp = scriptedLink({ [Op.READ_REG]: [], [Op.GET_SECURITY_INFO]: [securityInfo(5)] });
    const replyUnderZero = otherOp.link.write.bind(otherOp.link);
    otherOp.link.write = async (bytes) => {
      if (bytes[2] !== Op.READ_REG) return replyUnderZero(bytes);
      otherOp.ops.push(Op.READ_REG);
      const replies = refusals.map((body) => slipEncode(encodeResponse(0x00, 0, Uint8Array.from(body.slice(1)))));
      setTimeout(() => replies.forEach((r) => otherOp.emitBytes(r)), 1);
    };
    const started = Date.now();
    expect((await detectChip(new EspRomLoader(otherOp.link, { timeouts: { defaultMs: 3000 } }))).name).toBe('esp32c3');
    expect(Date.now() - started).toBeLessThan(2000); // refused at once, not after READ_REG's 3 s timeout
    expect(otherOp.ops).toEqual([Op.READ_REG, Op.GET_SECURITY_INFO]);
  });
});

describe('the reset boot wait', () => {
  /** A clock whose EN-low pause passes at once and whose boot wait only ends when cancelled: only the watch can end it. */
  const bootNeverEnds = () => {
    const sleeps: number[] = [];
    const clock: DriverClock = {
      ...manualClock(),
      sleep: (ms, signal, stage) => {
        sleeps.push(ms);
        if (ms === 100) return Promise.resolve();
        return new Promise<void>((_, reject) => signal?.addEventListener('abort', () => reject(cancelledError(stage ?? 'connecting')), { once: true }));
      },
    };
    return { clock, sleeps };
  };
  const watchThat = (seen: Promise<void>) => {
    const stopped: boolean[] = [];
    return { watch: () => ({ seen, stop: () => void stopped.push(true) }), stopped };
  };

  it('ends when the ROM says it waits for download, then releases GPIO0', async () => {
    const board = scriptedLink({});
    const { clock, sleeps } = bootNeverEnds();
    const { watch, stopped } = watchThat(Promise.resolve());
    await runResetSequence(board.link, 'classic', clock, undefined, watch);
    expect(sleeps).toEqual([100, 50]);
    expect(stopped).toEqual([true]);
    expect(board.lines.at(-1)).toEqual({ dtr: false });
  });

  it('is cancelled like any other wait', async () => {
    const { clock } = bootNeverEnds();
    const { watch, stopped } = watchThat(new Promise(() => {}));
    const cancel = new AbortController();
    const reset = runResetSequence(scriptedLink({}).link, 'tight', clock, cancel.signal, watch);
    await new Promise((r) => setTimeout(r, 5));
    cancel.abort();
    await expect(reset).rejects.toMatchObject({ code: 'CANCELLED', stage: 'connecting' });
    expect(stopped).toEqual([true]);
  });

  it('lasts its full time without a watch (the console reset, other callers)', async () => {
    const sleeps: number[] = [];
    const clock: DriverClock = { ...manualClock(), sleep: async (ms) => void sleeps.push(ms) };
    await runResetSequence(scriptedLink({}).link, 'tight-slow', clock);
    expect(sleeps).toEqual([100, 550]);
  });
});

describe('the banner watch', () => {
  const settledSoon = async (promise: Promise<void>) => {
    let settled = false;
    void promise.then(() => (settled = true));
    await new Promise((r) => setTimeout(r, 5));
    return settled;
  };

  it('sees "waiting for download" even split across reads, and nothing else', async () => {
    const board = scriptedLink({});
    const channel = new LoaderChannel(board.link, { clock: manualClock() });
    const banner = channel.watchText(/waiting for download/);
    board.emit('ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for ');
    board.emit('download\r\n');
    expect(await settledSoon(banner.seen)).toBe(true);

    const other = channel.watchText(/waiting for download/);
    board.emit('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n');
    expect(await settledSoon(other.seen)).toBe(false);
    other.stop();
    expect(await settledSoon(other.seen)).toBe(true);
  });

  it('does not count text that arrived before it was asked, and ends when the port closes', async () => {
    const board = scriptedLink({});
    const channel = new LoaderChannel(board.link, { clock: manualClock() });
    board.emit('waiting for download\r\n');
    const watch = channel.watchText(/waiting for download/);
    expect(await settledSoon(watch.seen)).toBe(false);
    board.unplug();
    expect(await settledSoon(watch.seen)).toBe(true);
  });
});
