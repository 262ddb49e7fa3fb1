import { describe, expect, it } from 'vitest';
import type { ByteLink } from '../../drivers/common/byte-link';
import type { FlashdeckError } from '../../drivers/common/errors';
import { flashSecureDfu, type SecureDfuTiming } from '../../drivers/nrf52/secure-dfu';
import { startSecureDfuSim, type StartSecureDfuSimOptions, type StartedSecureDfuSim, type SecureDfuBootloaderSim } from '../../simulators/nrf52/secure-dfu-sim';
import { SimPortWatch } from '../../simulators/nrf52/sim-port-watch';
import { appFiles, tinygoApp } from '../../simulators/nrf52/fixtures';
import { expectFlashError } from './expect-flash-error';
import { cleanupAfterEach, linkOpener, DONGLE_APP, SIM_TIMING, SIM_BAUD } from './nrf52-rig';

const DONGLE_BASE = 0x1000;
const app = tinygoApp(40 * 1024 + 12, DONGLE_BASE, 21);
const files = appFiles(app, DONGLE_BASE);
const CLIENT_TIMING: Partial<SecureDfuTiming> = {
  responseTimeoutMs: 300,
  pingTimeoutMs: 150,
  pingAttempts: 3,
  finalExecuteTimeoutMs: 800,
  disconnectTimeoutMs: 800,
  reenumerateTimeoutMs: 1500,
};

const defer = cleanupAfterEach();

const openLink = linkOpener(defer);

async function startDongle(
  options: StartSecureDfuSimOptions = {},
  existing?: SecureDfuBootloaderSim,
): Promise<{ dongle: StartedSecureDfuSim; watch: SimPortWatch; link: ByteLink }> {
  const watch = new SimPortWatch([{ path: '/dev/ttyACM-dfu', vendorId: '1915', productId: '521f' }]);
  const dongle = await startSecureDfuSim(
    {
      baud: SIM_BAUD,
      timing: SIM_TIMING,
      activationMs: 500,
      ...options,
      onActivated: () => {
        watch.remove('/dev/ttyACM-dfu');
        setTimeout(() => watch.add({ path: '/dev/ttyACM-app', ...DONGLE_APP }), 50);
      },
    },
    existing,
  );
  defer(dongle.close);
  return { dongle, watch, link: await openLink(dongle.hostPath) };
}

describe('Secure DFU over a real pty (PCA10059 open bootloader)', () => {
  for (const [name, bytes] of [
    ['firmware.hex', files.hex],
    ['firmware.bin', files.bin],
    ['secure.zip', files.secureZip],
    ['firmware.elf', files.elf],
  ] as const) {
    it(`flashes a 40 KiB TinyGo ${name} with CRC-32 checked objects`, async () => {
      const { dongle, watch, link } = await startDongle();
      const outcome = await flashSecureDfu(link, { image: bytes, fileName: name, portWatch: watch, appIdentity: DONGLE_APP, timing: CLIENT_TIMING });
      const padded = app.length % 4 ? new Uint8Array([...app, ...new Array(4 - (app.length % 4)).fill(0xff)]) : app;
      expect(outcome).toMatchObject({ bytesWritten: padded.length, verifiedBy: 'crc32', details: { appPort: '/dev/ttyACM-app' } });
      expect(dongle.sim.appBytes(padded.length)).toEqual(padded);
      expect(dongle.sim.events).toContain('image verified: activating');
      expect(dongle.sim.events.some((e) => /empty packet/.test(e))).toBe(false);
    });
  }

  it("converts TinyGo's legacy-flavour pca10059 zip (tinygo #4089) and flashes it", async () => {
    const { dongle, watch, link } = await startDongle();
    const notes: string[] = [];
    const outcome = await flashSecureDfu(link, {
      image: files.legacyZip,
      fileName: 'pca10059.zip',
      portWatch: watch,
      appIdentity: DONGLE_APP,
      timing: CLIENT_TIMING,
      onProgress: (p) => p.message && notes.push(p.message),
    });
    expect(outcome.details.note).toMatch(/legacy .*converted/);
    expect(notes.some((n) => /#4089/.test(n))).toBe(true);
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
  });

  it('re-sends objects whose CRC-32 does not match', async () => {
    const { dongle, watch, link } = await startDongle({ faults: { corruptObjects: [1, 6] } });
    const notes: string[] = [];
    await flashSecureDfu(link, {
      image: files.bin,
      fileName: 'firmware.bin',
      portWatch: watch,
      appIdentity: DONGLE_APP,
      timing: CLIENT_TIMING,
      onProgress: (p) => p.message && notes.push(p.message),
    });
    expect(notes.filter((n) => /CRC mismatch/.test(n))).toHaveLength(2);
    expect(dongle.sim.events.filter((e) => /fault: corrupted/.test(e))).toHaveLength(2);
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
  });

  it('survives line noise in both directions, or fails clearly — never a false success', async () => {
    const { dongle, watch, link } = await startDongle({ toDeviceFaults: { noiseRate: 0.0001, seed: 9 }, toHostFaults: { noiseRate: 0.005, seed: 4 } });
    const notes: string[] = [];
    const outcome = await flashSecureDfu(link, {
      image: files.bin,
      fileName: 'firmware.bin',
      portWatch: watch,
      appIdentity: DONGLE_APP,
      timing: CLIENT_TIMING,
      onProgress: (p) => p.message && notes.push(p.message),
    });
    expect(outcome.verifiedBy).toBe('crc32');
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
    expect(notes.some((n) => /re-sending|CRC mismatch/.test(n))).toBe(true);
  });

  for (const seed of [2, 5]) {
    it(`recovers from noise and dropped bytes in both directions (seed ${seed}) and the flash equals the image`, async () => {
      const { dongle, watch, link } = await startDongle({
        toDeviceFaults: { noiseRate: 0.00005, dropRate: 0.00002, seed },
        toHostFaults: { noiseRate: 0.005, dropRate: 0.002, seed: seed + 100 },
      });
      const outcome = await flashSecureDfu(link, { image: files.bin, fileName: 'firmware.bin', portWatch: watch, appIdentity: DONGLE_APP, timing: CLIENT_TIMING });
      expect(outcome.details.appPort).toBe('/dev/ttyACM-app');
      expect(dongle.sim.appBytes(app.length)).toEqual(app);
    });
  }

  it('works with the UART MTU (131 bytes)', async () => {
    const { dongle, watch, link } = await startDongle({ mtu: 131 });
    await flashSecureDfu(link, { image: files.bin, fileName: 'firmware.bin', portWatch: watch, appIdentity: DONGLE_APP, timing: CLIENT_TIMING });
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
  });

  it('accepts a bootloader that drops the port without answering the final EXECUTE', async () => {
    const { dongle, watch, link } = await startDongle({ faults: { dropWithoutResponse: true } });
    const outcome = await flashSecureDfu(link, { image: files.bin, fileName: 'firmware.bin', portWatch: watch, appIdentity: DONGLE_APP, timing: CLIENT_TIMING });
    expect(outcome.details.appPort).toBe('/dev/ttyACM-app');
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
  });

  it('reports a write that fails before the port reports the unplug as a disconnect', async () => {
    const { dongle, link } = await startDongle();
    let writes = 0;
    const dying: ByteLink = Object.create(link, {
      write: { value: (bytes: Uint8Array) => (++writes > 40 ? Promise.reject(Object.assign(new Error('Input/output error, cannot write'), { code: 'EIO' })) : link.write(bytes)) },
    });
    await expectFlashError(
      flashSecureDfu(dying, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }),
      'NRF_SDFU_DISCONNECTED',
      /disconnected while writing the image/,
    );
    expect(dongle.sim.events).not.toContain('image verified: activating');
  });

  it('says when no Secure DFU bootloader answers', async () => {
    const { link } = await startDongle({ faults: { silent: true } });
    await expectFlashError(
      flashSecureDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }),
      'NRF_SDFU_NO_BOOTLOADER',
      /No Secure DFU bootloader answered/,
    );
  });

  it('reports an unplug, then resumes on the re-plugged dongle', async () => {
    const first = await startDongle({ faults: { unplugAtObject: 4 } });
    await expectFlashError(
      flashSecureDfu(first.link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }),
      'NRF_SDFU_DISCONNECTED',
      /disconnected while writing the image/,
    );
    first.dongle.sim.replug();
    const second = await startDongle({}, first.dongle.sim);
    const notes: string[] = [];
    await flashSecureDfu(second.link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING, onProgress: (p) => p.message && notes.push(p.message) });
    expect(notes).toContain(`Resuming at byte ${4 * 4096} of ${app.length}.`);
    expect(first.dongle.sim.appBytes(app.length)).toEqual(app);
  });

  it('survives dropped bytes on the wire by re-sending objects', async () => {
    const { dongle, watch, link } = await startDongle({ toDeviceFaults: { dropRate: 0.0001, seed: 12 } });
    const notes: string[] = [];
    await flashSecureDfu(link, {
      image: files.bin,
      fileName: 'firmware.bin',
      portWatch: watch,
      appIdentity: DONGLE_APP,
      timing: CLIENT_TIMING,
      onProgress: (p) => p.message && notes.push(p.message),
    });
    expect(dongle.sim.appBytes(app.length)).toEqual(app);
    expect(notes.some((n) => /re-sending/.test(n))).toBe(true);
  });

  it('stops with CANCELLED when the user cancels mid-transfer', async () => {
    const { dongle, link } = await startDongle();
    const controller = new AbortController();
    const error = await flashSecureDfu(link, {
      image: files.bin,
      fileName: 'firmware.bin',
      timing: CLIENT_TIMING,
      signal: controller.signal,
      onProgress: (p) => p.stage === 'writing' && p.bytesDone > 8 * 1024 && controller.abort(),
    }).catch((e: unknown) => e);
    expect((error as FlashdeckError).code).toBe('CANCELLED');
    expect(dongle.sim.activated).toBe(false);
  });

  for (const [label, options, code, message] of [
    ['hardware version', { hwVersion: 53 }, 'NRF_SDFU_EXT_0x06', /different hardware/],
    ['SoftDevice requirement', { softDeviceFwid: 0xb6 }, 'NRF_SDFU_EXT_0x07', /different SoftDevice/],
    ['downgrade prevention', { appVersion: 5 }, 'NRF_SDFU_EXT_0x05', /lower than the installed/],
    ['signature requirement', { requireSignature: true }, 'NRF_SDFU_EXT_0x08', /only accepts signed packages/],
  ] as const) {
    it(`maps the ${label} rejection to a plain message`, async () => {
      const { dongle, link } = await startDongle(options);
      await expectFlashError(flashSecureDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }), code, message);
      expect(dongle.sim.activated).toBe(false);
    });
  }

  it('reports a bootloader that verifies but never restarts', async () => {
    const { link } = await startDongle({ faults: { noActivation: true } });
    await expectFlashError(flashSecureDfu(link, { image: files.bin, fileName: 'firmware.bin', timing: CLIENT_TIMING }), 'NRF_SDFU_NOT_ACTIVATED', /did not restart/);
  });

  it('refuses images linked for a SoftDevice, oversized images and truncated zips before talking to the dongle', async () => {
    const { dongle, link } = await startDongle();
    const s140 = appFiles(tinygoApp(8192, 0x26000), 0x26000);
    await expectFlashError(flashSecureDfu(link, { image: s140.hex, fileName: 'feather.hex' }), 'NRF_SOFTDEVICE_MISMATCH', /S140 v6 \(0x26000\).*0x01000/);
    await expectFlashError(flashSecureDfu(link, { image: tinygoApp(0xe0000, DONGLE_BASE), fileName: 'huge.bin' }), 'NRF_IMAGE_TOO_LARGE', /holds 913408 bytes/);
    await expectFlashError(flashSecureDfu(link, { image: files.secureZip.subarray(0, files.secureZip.length - 100), fileName: 'cut.zip' }), 'NRF_BAD_ZIP', /truncated/);
    expect(dongle.sim.events).toEqual([]);
  });
});
