import { describe, expect, it } from 'vitest';
import { SerialPortStream } from '@serialport/stream';
import type { ByteLink } from '../../drivers/common/byte-link';
import { linkFromSerialPort } from '../../drivers/common/serial-port-link';
import { FlashdeckError } from '../../drivers/common/errors';
import { flashLegacyDfu, type LegacyDfuTiming } from '../../drivers/nrf52/legacy-dfu';
import { touchSerialPortAt1200 } from '../../drivers/nrf52/touch-1200';
import { buildLegacyPackage, encodeLegacyInitPacket, legacyManifest } from '../../drivers/nrf52/legacy-package';
import { writeZip } from '../../drivers/nrf52/dfu-zip';
import { LegacyDfuBootloaderSim, startLegacyDfuSim, type StartLegacyDfuSimOptions, type StartedLegacyDfuSim } from '../../simulators/nrf52/legacy-dfu-sim';
import { SimPortWatch } from '../../simulators/nrf52/sim-port-watch';
import { SimBinding } from '../../simulators/common/sim-binding';
import { appFiles, tinygoApp } from '../../simulators/nrf52/fixtures';
import { expectFlashError } from './expect-flash-error';
import { cleanupAfterEach, linkOpener, FEATHER_APP, SIM_TIMING, SIM_BAUD } from './nrf52-rig';

const APP_BASE = 0x26000;
const app = tinygoApp(40 * 1024, APP_BASE, 11);
const files = appFiles(app, APP_BASE);
const CLIENT_TIMING: Partial<LegacyDfuTiming> = { ackTimeoutMs: 250, erasePageMs: 85 * 0.05 + 0.5, activationTimeoutMs: 600, reenumerateTimeoutMs: 1500 };

const defer = cleanupAfterEach();

const openLink = linkOpener(defer);

async function startBoard(options: StartLegacyDfuSimOptions = {}): Promise<{ board: StartedLegacyDfuSim; watch: SimPortWatch; link: ByteLink }> {
  const watch = new SimPortWatch([{ path: '/dev/ttyACM-boot', vendorId: '239a', productId: '0029' }]);
  const board = await startLegacyDfuSim({
    baud: SIM_BAUD,
    timing: SIM_TIMING,
    activationMs: 300,
    ...options,
    onActivated: () => {
      watch.remove('/dev/ttyACM-boot');
      watch.add({ path: '/dev/ttyACM-app', ...FEATHER_APP });
    },
  });
  defer(board.close);
  const link = await openLink(board.hostPath);
  return { board, watch, link };
}

describe('legacy serial DFU over a real pty', () => {
  for (const [name, bytes] of [
    ['firmware.hex', files.hex],
    ['firmware.bin', files.bin],
    ['firmware.zip', files.legacyZip],
    ['firmware.elf', files.elf],
  ] as const) {
    it(`flashes a 40 KiB TinyGo ${name.split('.')[1]} and confirms by re-enumeration`, async () => {
      const { board, watch, link } = await startBoard();
      const stages = new Set<string>();
      const outcome = await flashLegacyDfu(link, {
        image: bytes,
        fileName: name,
        portWatch: watch,
        appIdentity: FEATHER_APP,
        timing: CLIENT_TIMING,
        onProgress: (p) => stages.add(p.stage),
      });
      expect(outcome).toMatchObject({ bytesWritten: app.length, verifiedBy: 're-enumerated', details: { appPort: '/dev/ttyACM-app' } });
      expect(board.sim.appBytes(app.length)).toEqual(app);
      expect(board.sim.events).toContain('STOP_DATA: image valid');
      expect([...stages]).toEqual(expect.arrayContaining(['erasing', 'writing', 'verifying', 'waiting-for-board']));
    });
  }

  it('converts a Secure DFU zip and still flashes it', async () => {
    const { board, watch, link } = await startBoard();
    const outcome = await flashLegacyDfu(link, { image: files.secureZip, fileName: 'dongle.zip', portWatch: watch, appIdentity: FEATHER_APP, timing: CLIENT_TIMING });
    expect(outcome.bytesWritten).toBe(app.length);
    expect(board.sim.appBytes(app.length)).toEqual(app);
  });

  it('retransmits through line noise and lost frames, then verifies', async () => {
    const { board, watch, link } = await startBoard({ toDeviceFaults: { noiseRate: 0.00005, seed: 3 }, faults: { dropFrames: [3, 17, 18] } });
    const messages: string[] = [];
    const outcome = await flashLegacyDfu(link, {
      image: files.hex,
      fileName: 'firmware.hex',
      portWatch: watch,
      appIdentity: FEATHER_APP,
      timing: CLIENT_TIMING,
      onProgress: (p) => p.message && messages.push(p.message),
    });
    expect(outcome.verifiedBy).toBe('re-enumerated');
    expect(board.sim.appBytes(app.length)).toEqual(app);
    expect(messages.some((m) => /re-sending/.test(m))).toBe(true);
    expect(board.sim.events.some((e) => /CRC wrong|header checksum|dropped frame/.test(e))).toBe(true);
  });

  it('tolerates corrupted and duplicated ACKs on the way back', async () => {
    const { board, watch, link } = await startBoard({ faults: { duplicateAcks: true }, toHostFaults: { noiseRate: 0.002, seed: 5 } });
    await flashLegacyDfu(link, { image: files.bin, fileName: 'firmware.bin', portWatch: watch, appIdentity: FEATHER_APP, timing: CLIENT_TIMING });
    expect(board.sim.appBytes(app.length)).toEqual(app);
  });

  it('fails with NRF_DFU_NO_ACK when the bootloader never answers', async () => {
    const { link } = await startBoard({ faults: { neverAck: true } });
    await expectFlashError(
      flashLegacyDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: { ...CLIENT_TIMING, attempts: 3 } }),
      'NRF_DFU_NO_ACK',
      /did not acknowledge START after 3 attempts/,
    );
  });

  it('fails with NRF_DFU_DISCONNECTED when the board is unplugged mid-transfer', async () => {
    const { board, link } = await startBoard({ faults: { unplugAfterFrames: 25 } });
    const error = await expectFlashError(
      flashLegacyDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }),
      'NRF_DFU_DISCONNECTED',
      /disconnected during DATA packet \d+ of 80/,
    );
    // The board takes 25 frames (START, INIT, DATA 1–23) and goes with the 26th: DATA 24. On a
    // loaded machine a late ack makes the client send a frame again, which the board counts too,
    // so the packet named is 24 or, after retries, an earlier one — never a later one.
    const packet = Number(/DATA packet (\d+)/.exec(error.message)?.[1]);
    expect(packet).toBeGreaterThan(0);
    expect(packet).toBeLessThanOrEqual(24);
    expect(board.sim.events).toContain('unplugged');
  });

  it('fails with NRF_DFU_DISCONNECTED when a write fails before the port reports the unplug', async () => {
    // USB CDC after an unplug: the next write fails with EIO while the close event is still to come.
    const { board, link } = await startBoard();
    let writes = 0;
    const dying: ByteLink = Object.create(link, {
      write: { value: (bytes: Uint8Array) => (++writes > 25 ? Promise.reject(Object.assign(new Error('Input/output error, cannot write'), { code: 'EIO' })) : link.write(bytes)) },
    });
    await expectFlashError(flashLegacyDfu(dying, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }), 'NRF_DFU_DISCONNECTED', /disconnected during DATA packet/);
    expect(board.sim.events.some((e) => /activat/.test(e))).toBe(false);
  });

  it('a STOP_DATA that never left the computer is a disconnect, never an activation', async () => {
    const { board, watch, link } = await startBoard();
    let writes = 0;
    // START, INIT and 80 DATA packets go out; the port dies as STOP_DATA is written.
    const dying: ByteLink = Object.create(link, {
      write: { value: (bytes: Uint8Array) => (++writes > 82 ? Promise.reject(Object.assign(new Error('Input/output error, cannot write'), { code: 'EIO' })) : link.write(bytes)) },
    });
    setTimeout(() => watch.add({ path: '/dev/ttyACM-app', ...FEATHER_APP }), 300); // even if the app showed up later
    await expectFlashError(
      flashLegacyDfu(dying, { image: files.bin, fileName: 'firmware.bin', portWatch: watch, appIdentity: FEATHER_APP, timing: CLIENT_TIMING }),
      'NRF_DFU_DISCONNECTED',
      /during STOP_DATA/,
    );
    expect(writes).toBe(83);
    expect(board.sim.events.some((e) => /activat/.test(e))).toBe(false);
  });

  it('reports a silent STOP_DATA CRC failure instead of success', async () => {
    const { board, link } = await startBoard({ faults: { corruptDataPacket: 7 } });
    await expectFlashError(flashLegacyDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }), 'NRF_DFU_NOT_ACCEPTED', /did not start it/);
    expect(board.sim.events).toContain('STOP_DATA: size or CRC wrong, staying in DFU mode');
  });

  it('reports a bootloader that resets on the init packet (SoftDevice requirement)', async () => {
    const pkg = buildLegacyPackage(app);
    const init = { ...pkg.init, softDeviceReq: [0x0100] };
    const zip = writeZip({
      'manifest.json': JSON.stringify(legacyManifest({ ...pkg, init })),
      'application.bin': pkg.application,
      'application.dat': encodeLegacyInitPacket(init),
    });
    const { board, link } = await startBoard();
    await expectFlashError(flashLegacyDfu(link, { image: zip, fileName: 'wrong-sd.zip', timing: CLIENT_TIMING }), 'NRF_DFU_REJECTED', /rejected the package/);
    expect(board.sim.events.some((e) => /SoftDevice requirement/.test(e))).toBe(true);
  });

  it('refuses bad packages before touching the board', async () => {
    const pkg = buildLegacyPackage(app);
    const init = { ...pkg.init, deviceType: 0xffff };
    const genpkgDefault = writeZip({
      'manifest.json': JSON.stringify(legacyManifest({ ...pkg, init })),
      'application.bin': pkg.application,
      'application.dat': encodeLegacyInitPacket(init),
    });
    const { board, link } = await startBoard();
    await expectFlashError(flashLegacyDfu(link, { image: genpkgDefault, fileName: 'genpkg.zip' }), 'NRF_DFU_BAD_PACKAGE', /0x0052/);
    await expectFlashError(flashLegacyDfu(link, { image: files.legacyZip.subarray(0, 300), fileName: 'cut.zip' }), 'NRF_BAD_ZIP', /truncated/);
    const v7 = appFiles(tinygoApp(8192, 0x27000), 0x27000);
    await expectFlashError(
      flashLegacyDfu(link, { image: v7.hex, fileName: 'xiao.hex', boardAppStart: 0x26000 }),
      'NRF_SOFTDEVICE_MISMATCH',
      /S140 v7 \(0x27000\) but the board has S140 v6/,
    );
    const huge = tinygoApp(0xea000 - 0x26000 + 4096, APP_BASE);
    await expectFlashError(flashLegacyDfu(link, { image: huge, fileName: 'huge.bin' }), 'NRF_DFU_BAD_PACKAGE', /at most 802816 bytes/);
    expect(board.sim.events).toEqual([]);
  });

  it('verifies a UART board (Feather nRF52832) whose port stays after activation', async () => {
    const { board, link } = await startBoard({ link: 'uart', appEnd: 0x6d000 });
    const outcome = await flashLegacyDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING, maxAppSize: 0x6d000 - APP_BASE });
    expect(outcome.verifiedBy).toBe('bootloader-silent');
    expect(board.sim.appBytes(app.length)).toEqual(app);
  });
});

describe('legacy serial DFU: more faults', () => {
  it('survives dropped bytes on the wire (go-back-N over lost frames)', async () => {
    const { board, watch, link } = await startBoard({ toDeviceFaults: { dropRate: 0.0001, seed: 8 } });
    const notes: string[] = [];
    await flashLegacyDfu(link, {
      image: files.bin,
      fileName: 'firmware.bin',
      portWatch: watch,
      appIdentity: FEATHER_APP,
      timing: CLIENT_TIMING,
      onProgress: (p) => p.message && notes.push(p.message),
    });
    expect(board.sim.appBytes(app.length)).toEqual(app);
    expect(board.sim.events.some((e) => /dropped frame/.test(e))).toBe(true);
    expect(notes.some((n) => /re-sending/.test(n))).toBe(true);
  });

  for (const seed of [2, 7]) {
    it(`recovers from noise and dropped bytes in both directions (seed ${seed}) and the flash equals the image`, async () => {
      const { board, watch, link } = await startBoard({
        toDeviceFaults: { noiseRate: 0.00005, dropRate: 0.00002, seed },
        toHostFaults: { noiseRate: 0.005, dropRate: 0.002, seed: seed + 100 },
      });
      const outcome = await flashLegacyDfu(link, { image: files.bin, fileName: 'firmware.bin', portWatch: watch, appIdentity: FEATHER_APP, timing: CLIENT_TIMING });
      expect(outcome.verifiedBy).toBe('re-enumerated');
      expect(board.sim.appBytes(app.length)).toEqual(app);
    });
  }

  it('reports a bootloader that resets on START (image larger than its app area)', async () => {
    const { board, link } = await startBoard({ appEnd: 0x26000 + 32 * 1024 });
    await expectFlashError(flashLegacyDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }), 'NRF_DFU_REJECTED', /reset after START/);
    expect(board.sim.events.some((e) => /does not fit/.test(e))).toBe(true);
  });

  it('stops with CANCELLED when the user cancels mid-transfer', async () => {
    const { board, link } = await startBoard();
    const controller = new AbortController();
    const error = await flashLegacyDfu(link, {
      image: files.bin,
      fileName: 'firmware.bin',
      timing: CLIENT_TIMING,
      signal: controller.signal,
      onProgress: (p) => p.stage === 'writing' && p.bytesDone > 8 * 1024 && controller.abort(),
    }).catch((e: unknown) => e);
    expect((error as FlashdeckError).code).toBe('CANCELLED');
    expect(board.sim.events).not.toContain('STOP_DATA: image valid');
  });
});

describe('1200-baud touch through the in-process binding', () => {
  it('reboots the TinyGo app into the bootloader, then flashes it', async () => {
    const binding = new SimBinding();
    const watch = new SimPortWatch();
    const sim = new LegacyDfuBootloaderSim({ startInApp: true, timing: SIM_TIMING, onActivated: () => watch.add({ path: '/dev/ttySIM-app', ...FEATHER_APP }) });
    binding.register('/dev/ttySIM0', sim, { baud: SIM_BAUD });
    await touchSerialPortAt1200({ path: '/dev/ttySIM0', binding });
    expect(sim.mode).toBe('bootloader');
    expect(sim.events).toContain('1200-baud touch: entering the bootloader');

    const port = new SerialPortStream({ binding, path: '/dev/ttySIM0', baudRate: SIM_BAUD, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    const outcome = await flashLegacyDfu(linkFromSerialPort(port), {
      image: files.uf2,
      fileName: 'firmware.uf2',
      portWatch: watch,
      appIdentity: FEATHER_APP,
      timing: CLIENT_TIMING,
    });
    expect(outcome.verifiedBy).toBe('re-enumerated');
    expect(sim.appBytes(app.length)).toEqual(app);
    expect(port.isOpen).toBe(false);
  });

  it('touching a pseudo-terminal (no DTR line) still opens at 1200 baud and closes without error', async () => {
    const board = await startLegacyDfuSim({ baud: SIM_BAUD });
    defer(board.close);
    await expect(touchSerialPortAt1200({ path: board.hostPath, attempts: 1 })).resolves.toBeUndefined();
    const missing = await touchSerialPortAt1200({ path: '/dev/does-not-exist', attempts: 2, retryDelayMs: 10 }).catch((e: unknown) => e);
    expect((missing as FlashdeckError).code).toBe('NRF_TOUCH_FAILED');
    expect((missing as FlashdeckError).hint).toMatch(/[Dd]ouble-tap/);
  });

  it('a plain open at 115200 does not reset the app', async () => {
    const binding = new SimBinding();
    const sim = new LegacyDfuBootloaderSim({ startInApp: true });
    binding.register('/dev/ttySIM1', sim);
    const port = new SerialPortStream({ binding, path: '/dev/ttySIM1', baudRate: 115200 });
    await new Promise((resolve) => port.on('open', resolve));
    await new Promise<void>((resolve) => port.close(() => resolve()));
    expect(sim.mode).toBe('app');
  });
});
