/**
 * The connect steps that cost wall time without using the line, against scripted links: which chip
 * detection questions are asked, how the reset's boot wait ends, and the banner watch behind it.
 */
import { describe, expect, it } from 'vitest';
import type { ByteLink, ControlSignals } from '../../drivers/common/byte-link';
import type { DriverClock } from '../../drivers/common/clock';
import { FlashdeckError } from '../../drivers/common/errors';
import { slipEncode } from '../../drivers/common/slip';
import { detectChip } from '../../drivers/esp32/chips';
import { EspRomLoader, LoaderChannel } from '../../drivers/esp32/loader';
import { Op, encodeResponse, words } from '../../drivers/esp32/protocol';
import { runResetSequence } from '../../drivers/esp32/reset';
import { manualClock } from './manual-clock';

/** A link whose "board" answers each command by opcode; it records the opcodes and control-line changes. */
function scriptedLink(answers: Partial<Record<number, number[][]>>) {
  const listeners = new Set<(b: Uint8Array) => void>();
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
    onClose: () => () => {},
    async setBaudRate() {},
    async setSignals(s) {
      lines.push(s);
    },
    async flushInput() {},
  };
  const emit = (text: string) => listeners.forEach((l) => l(new Uint8Array(Buffer.from(text, 'latin1'))));
  return { link, ops, lines, emit };
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

  it('names an ESP32-S2 by its magic value (its GET_SECURITY_INFO has no chip id)', async () => {
    const s2 = scriptedLink({ [Op.READ_REG]: [[0x000007c6, ...OK]], [Op.GET_SECURITY_INFO]: [[0, ...new Array(12).fill(0), ...OK]] });
    expect((await detectChip(new EspRomLoader(s2.link))).name).toBe('esp32s2');
  });

  it('falls back to the chip id when READ_REG is refused (Secure Download Mode)', async () => {
    const sdm = scriptedLink({ [Op.READ_REG]: [[0, 1, 5, 0, 0]], [Op.GET_SECURITY_INFO]: [securityInfo(9)] });
    expect((await detectChip(new EspRomLoader(sdm.link))).name).toBe('esp32s3');
    expect(sdm.ops).toEqual([Op.READ_REG, Op.GET_SECURITY_INFO]);
  });
});

describe('the reset boot wait', () => {
  /** Records the sleeps a sequence asks for; sleeps themselves return at once. */
  const recordingClock = () => {
    const sleeps: number[] = [];
    const clock: DriverClock = { ...manualClock(), sleep: async (ms) => void sleeps.push(ms) };
    return { clock, sleeps };
  };

  it('ends when the ROM says it waits for download, then releases GPIO0', async () => {
    const board = scriptedLink({});
    const { clock, sleeps } = recordingClock();
    const watched: number[] = [];
    await runResetSequence(board.link, 'classic', clock, undefined, async (maxMs) => watched.push(maxMs));
    expect(sleeps).toEqual([100]); // EN low; the boot wait went to the watch
    expect(watched).toEqual([50]);
    expect(board.lines.at(-1)).toEqual({ dtr: false });
  });

  it('lasts its full time without a watch (the console reset, other callers)', async () => {
    const { clock, sleeps } = recordingClock();
    await runResetSequence(scriptedLink({}).link, 'tight-slow', clock);
    expect(sleeps).toEqual([100, 550]);
  });
});

describe('the banner watch', () => {
  it('resolves true on "waiting for download", even split across reads, and false when the time is up', async () => {
    const clock = manualClock();
    const board = scriptedLink({});
    const channel = new LoaderChannel(board.link, { clock });
    const seen = channel.waitForText(/waiting for download/, 50);
    board.emit('ets Jun  8 2016 00:22:57\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for ');
    board.emit('download\r\n');
    expect(await seen).toBe(true);

    const quiet = channel.waitForText(/waiting for download/, 50);
    board.emit('rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n');
    clock.advance(49);
    let settled = false;
    void quiet.then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    clock.advance(1);
    expect(await quiet).toBe(false);
  });

  it('does not count text that arrived before it was asked', async () => {
    const clock = manualClock();
    const board = scriptedLink({});
    const channel = new LoaderChannel(board.link, { clock });
    board.emit('waiting for download\r\n');
    const seen = channel.waitForText(/waiting for download/, 50);
    clock.advance(50);
    expect(await seen).toBe(false);
  });
});
