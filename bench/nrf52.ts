/**
 * nRF52 flashing benchmark (`npm run bench:nrf52`): a 200 KiB TinyGo-style image over legacy serial
 * DFU (Adafruit bootloader) and Secure DFU (nRF52840 Dongle), each through a real pty paced at
 * 115200 baud (10 bits per byte) against simulators with hardware page-erase timing (85 ms/page).
 *
 * Lower bound = image bytes on the wire at the baud rate + the page erases the device must do.
 * Ratio = wall time / lower bound; the goal is ≤ 1.25. Every figure, with its unit, goes to
 * bench/results/nrf52.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openSerialLink, type OpenedLink } from '../drivers/common/serial-port-link';
import { flashLegacyDfu } from '../drivers/nrf52/legacy-dfu';
import { flashSecureDfu } from '../drivers/nrf52/secure-dfu';
import { startLegacyDfuSim } from '../simulators/nrf52/legacy-dfu-sim';
import { startSecureDfuSim } from '../simulators/nrf52/secure-dfu-sim';
import { SimPortWatch } from '../simulators/nrf52/sim-port-watch';
import { appFiles, tinygoApp } from '../simulators/nrf52/fixtures';

const BAUD = 115200;
const IMAGE_BYTES = 200 * 1024;
const ERASE_PAGE_MS = 85;
const PAGE = 4096;
const GOAL = 1.25;

type Figure = { value: number; unit: string };
const fig = (value: number, unit: string): Figure => ({ value: Math.round(value * 1000) / 1000, unit });

function openLink(portPath: string): Promise<OpenedLink> {
  return openSerialLink(portPath, { baudRate: BAUD });
}

function figures(
  name: string,
  wallMs: number,
  imageBytes: number,
  erasePages: number,
  hostToDeviceBytes: number,
  deviceToHostBytes: number,
  extra: Record<string, Figure>,
  verifiedBy: string,
) {
  const imageWireS = (imageBytes * 10) / BAUD;
  const eraseS = (erasePages * ERASE_PAGE_MS) / 1000;
  const lowerBoundS = imageWireS + eraseS;
  const wallS = wallMs / 1000;
  const ratio = wallS / lowerBoundS;
  const result = {
    wallTime: fig(wallS, 's'),
    lowerBound: fig(lowerBoundS, 's'),
    ratio: fig(ratio, 'x'),
    goal: fig(GOAL, 'x'),
    pass: ratio <= GOAL,
    verifiedBy,
    imageBytes: fig(imageBytes, 'B'),
    baud: fig(BAUD, 'bit/s'),
    imageWireTime: fig(imageWireS, 's'),
    erasePages: fig(erasePages, 'pages'),
    erasePerPage: fig(ERASE_PAGE_MS, 'ms'),
    eraseTime: fig(eraseS, 's'),
    bytesHostToDevice: fig(hostToDeviceBytes, 'B'),
    bytesDeviceToHost: fig(deviceToHostBytes, 'B'),
    protocolOverhead: fig((hostToDeviceBytes / imageBytes - 1) * 100, '%'),
    throughput: fig(imageBytes / wallS / 1024, 'KiB/s'),
    ...extra,
  };
  process.stdout.write(
    `${name.padEnd(12)} wall ${wallS.toFixed(2)} s, lower bound ${lowerBoundS.toFixed(2)} s (wire ${imageWireS.toFixed(2)} s + erase ${eraseS.toFixed(2)} s), ratio ${ratio.toFixed(3)}× ${ratio <= GOAL ? '≤' : '>'} ${GOAL}×\n`,
  );
  return result;
}

async function benchLegacy() {
  const app = tinygoApp(IMAGE_BYTES, 0x26000, 77);
  const watch = new SimPortWatch();
  const board = await startLegacyDfuSim({ baud: BAUD, onActivated: () => watch.add({ path: '/dev/ttyACM-app', vendorId: '239a', productId: '802a' }) });
  const { link, close } = await openLink(board.hostPath);
  const image = appFiles(app, 0x26000).hex;
  const started = performance.now();
  const outcome = await flashLegacyDfu(link, { image, fileName: 'bench.hex', portWatch: watch, appIdentity: { vendorId: '239a', productId: '802a' } });
  const wallMs = performance.now() - started;
  if (Buffer.compare(Buffer.from(board.sim.appBytes(app.length)), Buffer.from(app)) !== 0) throw new Error('legacy DFU: flash differs from the image');
  const toDevice = board.attachment.toDevice.bytesCarried;
  const toHost = board.attachment.toHost.bytesCarried;
  await close();
  await board.close();
  return figures(
    'legacy DFU',
    wallMs,
    app.length,
    Math.ceil(app.length / PAGE),
    toDevice,
    toHost,
    {
      activationDelay: fig(300, 'ms'),
    },
    outcome.verifiedBy,
  );
}

async function benchSecure() {
  const app = tinygoApp(IMAGE_BYTES, 0x1000, 78);
  const watch = new SimPortWatch();
  const dongle = await startSecureDfuSim({ baud: BAUD, onActivated: () => watch.add({ path: '/dev/ttyACM-app', vendorId: '1915', productId: 'cafe' }) });
  const { link, close } = await openLink(dongle.hostPath);
  const image = appFiles(app, 0x1000).bin;
  const started = performance.now();
  const outcome = await flashSecureDfu(link, { image, fileName: 'bench.bin', portWatch: watch, appIdentity: { vendorId: '1915', productId: 'cafe' } });
  const wallMs = performance.now() - started;
  if (Buffer.compare(Buffer.from(dongle.sim.appBytes(app.length)), Buffer.from(app)) !== 0) throw new Error('Secure DFU: flash differs from the image');
  const toDevice = dongle.attachment.toDevice.bytesCarried;
  const toHost = dongle.attachment.toHost.bytesCarried;
  await close();
  await dongle.close();
  return figures(
    'Secure DFU',
    wallMs,
    app.length,
    Math.ceil(app.length / PAGE),
    toDevice,
    toHost,
    {
      activationDelay: fig(500, 'ms'),
      mtu: fig(2051, 'B'),
    },
    outcome.verifiedBy,
  );
}

async function main(): Promise<void> {
  const legacyDfu = await benchLegacy();
  const secureDfu = await benchSecure();
  const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results', 'nrf52.json');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, JSON.stringify({ date: new Date().toISOString(), node: process.version, legacyDfu, secureDfu }, null, 2) + '\n');
  process.stdout.write(`wrote ${out}\n`);
  if (!legacyDfu.pass || !secureDfu.pass) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
