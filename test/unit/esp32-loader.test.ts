/**
 * The ROM and stub loaders against a scripted fake link: response matching, status layouts, unsupported
 * commands in both forms, and what each kind of silence is called.
 */
import { describe, expect, it } from 'vitest';
import type { ByteLink, ControlSignals } from '../../drivers/common/byte-link';
import { FlashdeckError } from '../../drivers/common/errors';
import { slipEncode } from '../../drivers/common/slip';
import { EspRomLoader, EspStubLoader } from '../../drivers/esp32/loader';
import { Op, encodeResponse } from '../../drivers/esp32/protocol';
import { manualClock } from './manual-clock';
import { CHIPS } from '../../drivers/esp32/chips';
import { runStub } from '../../drivers/esp32/stub-loader';

/** A link whose "board" answers each written packet with whatever `respond` returns. */
function fakeLink(respond: (packet: Uint8Array) => Uint8Array[]): ByteLink & { closeNow(): void } {
  const listeners = new Set<(b: Uint8Array) => void>();
  const closers = new Set<(e: Error | null) => void>();
  let signals: ControlSignals = { dtr: false, rts: false };
  return {
    path: '/dev/fake',
    baudRate: 115200,
    get signals() {
      return signals;
    },
    async write(bytes) {
      const packet = bytes.subarray(1, bytes.length - 1); // no escapes in these tests' commands
      const replies = respond(packet);
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
      signals = { ...signals, ...s };
    },
    async flushInput() {},
    closeNow() {
      closers.forEach((c) => c(new Error('EIO')));
    },
  };
}

const rom = (op: number, value = 0, payload: number[] = [], status = [0, 0, 0, 0]) => slipEncode(encodeResponse(op, value, Uint8Array.from([...payload, ...status])));
const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const timeouts = { defaultMs: 80, syncMs: 40 };

async function failure(run: Promise<unknown>): Promise<FlashdeckError> {
  const e = await run.then(
    () => null,
    (err) => err,
  );
  expect(e).toBeInstanceOf(FlashdeckError);
  return e as FlashdeckError;
}

describe('ESP loaders', () => {
  it('skips stale replies and reads the value of the reply with the matching opcode', async () => {
    const loader = new EspRomLoader(
      fakeLink(() => [rom(Op.SYNC, 0x20120707), rom(Op.READ_REG, 0x00f01d83)]),
      { timeouts },
    );
    expect(await loader.readReg(0x40001000)).toBe(0x00f01d83);
  });

  it('detects a running stub from SYNC replies whose value is 0', async () => {
    const stub = (op: number) => slipEncode(encodeResponse(op, 0, Uint8Array.from([0, 0])));
    const loader = new EspRomLoader(
      fakeLink(() => Array.from({ length: 8 }, () => stub(Op.SYNC))),
      { timeouts },
    );
    expect(await loader.sync()).toEqual({ stubRunning: true });
  });

  it('reads MD5 as 32 hex characters from the ROM and 16 raw bytes from the stub', async () => {
    const digest = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const romLoader = new EspRomLoader(
      fakeLink(() => [rom(Op.SPI_FLASH_MD5, 0, [...Buffer.from(digest.toString('hex'), 'latin1')])]),
      { timeouts },
    );
    expect(Buffer.from(await romLoader.flashMd5(0x1000, 100)).equals(digest)).toBe(true);
    const stubLoader = new EspStubLoader(
      fakeLink(() => [slipEncode(encodeResponse(Op.SPI_FLASH_MD5, 0, Uint8Array.from([...digest, 0, 0])))]),
      { timeouts },
    );
    expect(Buffer.from(await stubLoader.flashMd5(0x1000, 100)).equals(digest)).toBe(true);
  });

  it('treats GET_SECURITY_INFO "invalid message" replies as unsupported in both forms', async () => {
    const mismatched = new EspRomLoader(
      fakeLink(() => Array.from({ length: 8 }, () => rom(0x00, 0, [], [1, 5, 0, 0]))),
      { timeouts },
    );
    expect(await mismatched.securityInfo()).toBeNull();
    const matching = new EspRomLoader(
      fakeLink(() => Array.from({ length: 8 }, () => rom(Op.GET_SECURITY_INFO, 0, [], [1, 5, 0, 0]))),
      { timeouts },
    );
    expect(await matching.securityInfo()).toBeNull();
  });

  it('reports a failure status with the ROM error name, retryable for data commands', async () => {
    const loader = new EspRomLoader(
      fakeLink(() => [rom(Op.FLASH_DEFL_DATA, 0, [], [1, 7, 0, 0])]),
      { timeouts },
    );
    const e = await failure(loader.dataBlock(Op.FLASH_DEFL_DATA, 0, new Uint8Array(8)));
    expect(e.code).toBe('ESP_COMMAND_FAILED');
    expect(e.message).toBe('FLASH_DEFL_DATA failed: invalid CRC in message (0x07).');
  });

  it('names each kind of silence', async () => {
    const none = await failure(
      new EspRomLoader(
        fakeLink(() => []),
        { timeouts },
      ).readReg(0),
    );
    expect(none).toMatchObject({ code: 'ESP_NO_DATA', message: 'No serial data received from /dev/fake.' });

    let first = true;
    const stops = fakeLink(() => (first ? ((first = false), [rom(Op.READ_REG, 1)]) : []));
    const stopped = new EspRomLoader(stops, { timeouts });
    await stopped.readReg(0);
    expect((await failure(stopped.readReg(0))).message).toMatch(/^Serial data stream stopped/);

    const cut = await failure(
      new EspRomLoader(
        fakeLink(() => [rom(Op.READ_REG, 1).subarray(0, 6)]),
        { timeouts },
      ).readReg(0),
    );
    expect(cut.message).toMatch(/^Packet content transfer stopped/);

    const app = await failure(
      new EspRomLoader(
        fakeLink(() => [text('I (312) wifi: connected\r\n')]),
        { timeouts },
      ).readReg(0),
    );
    expect(app).toMatchObject({ code: 'ESP_INVALID_HEAD' });
    expect(app.message).toMatch(/^Invalid head of packet \(0x49\)/);
  });

  it('turns a vanished port into ESP_DISCONNECTED and an abort into CANCELLED', async () => {
    const link = fakeLink(() => []);
    const loader = new EspRomLoader(link, { timeouts: { defaultMs: 5000 }, stage: () => 'writing' });
    const pending = loader.readReg(0);
    setTimeout(() => link.closeNow(), 5);
    expect(await failure(pending)).toMatchObject({ code: 'ESP_DISCONNECTED', stage: 'writing' });

    const controller = new AbortController();
    const cancellable = new EspRomLoader(
      fakeLink(() => []),
      { timeouts: { defaultMs: 5000 }, signal: controller.signal, stage: () => 'verifying' },
    );
    const waiting = cancellable.readReg(0);
    setTimeout(() => controller.abort(), 5);
    expect(await failure(waiting)).toMatchObject({ code: 'CANCELLED', stage: 'verifying' });
  });

  describe('a write the port takes slowly', () => {
    /** A link whose port takes written bytes only when the test says (`accept`), as a busy or stalled line would. */
    function slowLink() {
      let accepted = 0;
      let pending: { left: number; done: () => void } | null = null;
      const link: ByteLink = Object.create(
        fakeLink(() => []),
        {
          bytesAccepted: { get: () => accepted },
          write: { value: (bytes: Uint8Array) => new Promise<void>((done) => (pending = { left: bytes.length, done })) },
        },
      );
      const accept = (n: number) => {
        const p = pending!;
        const taken = Math.min(p.left, n);
        accepted += taken;
        p.left -= taken;
        if (p.left === 0) p.done();
      };
      return { link, accept };
    }
    const settled = async (run: Promise<unknown>) => {
      let state: 'pending' | 'resolved' | 'rejected' = 'pending';
      run.then(
        () => (state = 'resolved'),
        () => (state = 'rejected'),
      );
      for (let i = 0; i < 5; i++) await Promise.resolve();
      return state;
    };

    it('keeps going while the port takes bytes, however long the whole packet takes', async () => {
      const clock = manualClock();
      const { link, accept } = slowLink();
      const loader = new EspRomLoader(link, { clock });
      const sending = loader.channel.send(new Uint8Array(60));
      for (let i = 0; i < 30; i++) {
        clock.advance(500, 50); // 15 s in all, 2 bytes every half second
        accept(2);
        expect(await settled(sending)).not.toBe('rejected');
      }
      accept(100);
      expect(await settled(sending)).toBe('resolved');
    });

    it('does not blame the port for seconds the host was not running', async () => {
      const clock = manualClock();
      const { link, accept } = slowLink();
      const loader = new EspRomLoader(link, { clock });
      const sending = loader.channel.send(new Uint8Array(60));
      clock.advance(10_000); // the process was descheduled for 10 s: its timers fire late, before the I/O that completed meanwhile
      accept(1000);
      expect(await settled(sending)).toBe('resolved');
    });

    it('gives up with ESP_WRITE_FAILED once the port takes nothing for 3 s', async () => {
      const clock = manualClock();
      const { link, accept } = slowLink();
      const loader = new EspRomLoader(link, { clock, stage: () => 'writing' });
      const sending = loader.channel.send(new Uint8Array(60));
      accept(10);
      clock.advance(250, 50); // the check that sees those 10 bytes
      clock.advance(2900, 50);
      expect(await settled(sending)).toBe('pending');
      clock.advance(200, 50);
      expect(await failure(sending)).toMatchObject({
        code: 'ESP_WRITE_FAILED',
        stage: 'writing',
        message: 'The board stopped taking data: /dev/fake accepted nothing for 3 s.',
      });
    });
  });

  describe('CHANGE_BAUDRATE', () => {
    /** A board that answers READ_REG from `registers` and records CHANGE_BAUDRATE's two words. */
    function baudBoard(registers: Record<number, number>, status: number[]) {
      const asked: number[][] = [];
      const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
      const link = fakeLink((packet) => {
        const op = packet[1];
        if (op === Op.READ_REG) return [slipEncode(encodeResponse(op, registers[u32(packet, 8)] ?? 0, Uint8Array.from(status)))];
        asked.push([u32(packet, 8), u32(packet, 12)]);
        return [slipEncode(encodeResponse(op, 0, Uint8Array.from(status)))];
      });
      return { link, asked };
    }
    // The ESP32 ROM estimates its 40 MHz crystal as 41.6 MHz (RC clock drift): RTC calibration 832, CK8M 128.
    const drifted = { 0x3ff5f06c: 832 << 7, 0x3ff5a010: 128 };

    it('asks the ESP32 ROM for the rate scaled by its own crystal error, as esptool does', async () => {
      const { link, asked } = baudBoard(drifted, [0, 0, 0, 0]);
      await new EspRomLoader(link, { timeouts }).changeBaud(CHIPS.esp32, 921600, 115200);
      expect(asked).toEqual([[Math.floor((921600 * 41.6) / 40), 0]]);
    });

    it('asks for the rate itself where the registers do not hold a plausible estimate, on other chips, and of the stub', async () => {
      const blank = baudBoard({}, [0, 0, 0, 0]);
      await new EspRomLoader(blank.link, { timeouts }).changeBaud(CHIPS.esp32, 921600, 115200);
      const c3 = baudBoard(drifted, [0, 0, 0, 0]);
      await new EspRomLoader(c3.link, { timeouts }).changeBaud(CHIPS.esp32c3, 921600, 115200);
      const stub = baudBoard(drifted, [0, 0]);
      await new EspStubLoader(stub.link, { timeouts }).changeBaud(CHIPS.esp32, 921600, 115200);
      expect([blank.asked, c3.asked, stub.asked]).toEqual([[[921600, 0]], [[921600, 0]], [[921600, 115200]]]);
    });
  });

  describe('running the stub', () => {
    const stub = { entry: 0x4008_0000, text: new Uint8Array(100).fill(1), textStart: 0x4008_0000, data: new Uint8Array(20).fill(2), dataStart: 0x3ffb_0000 };
    /** A ROM that takes MEM_* and, if `ohai`, starts the stub (which says OHAI and then answers with 2 status bytes). */
    const romThatRuns = (ohai: boolean) =>
      fakeLink((packet) => {
        const op = packet[1];
        if (op === Op.MEM_END) return ohai ? [rom(op), slipEncode(Uint8Array.from([0x4f, 0x48, 0x41, 0x49]))] : [rom(op)];
        if (op === Op.READ_REG) return [slipEncode(encodeResponse(op, 0x1234, Uint8Array.from([0, 0])))];
        return [rom(op)];
      });

    it('gives the stub loader that took over the channel, speaking the stub layout', async () => {
      const romLoader = new EspRomLoader(romThatRuns(true), { timeouts });
      const stubLoader = await runStub(romLoader, stub);
      expect(stubLoader).toBeInstanceOf(EspStubLoader);
      expect(stubLoader!.channel).toBe(romLoader.channel);
      expect([stubLoader!.kind, stubLoader!.statusBytes, stubLoader!.flashBlockSize]).toEqual(['stub', 2, 0x4000]);
      expect(await stubLoader!.readReg(0)).toBe(0x1234);
    });

    it('gives nothing when the stub never says OHAI: the job carries on with the ROM loader', async () => {
      expect(await runStub(new EspRomLoader(romThatRuns(false), { timeouts: { ...timeouts, ohaiMs: 50 } }), stub)).toBeNull();
    });
  });
});
