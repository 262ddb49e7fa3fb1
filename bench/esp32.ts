/**
 * ESP32 flashing benchmark against the throttled simulator (npm run bench:esp32).
 *
 * 1. Throughput: a 1 MiB firmware-like image (deflates to ~55 %) on an ESP32 at 0x1000 (921600 and
 *    115200 baud) and an ESP32-C3 at 0x0 (921600), over the in-process binding (exact pacing,
 *    DTR/RTS reset), by Flashdeck's driver and by esptool-js 0.7.0 in the same run. The two
 *    addresses differ in flash work: from 0x1000 the first 60 KiB need 4 KiB sector erases, slower
 *    than compressed data arrives at 921600; from 0x0 every erase is a 64 KiB block.
 *    wire efficiency = (wire bytes × 10 / baud) / wall time; effective throughput = image bytes / wall time.
 * 2. The user's whole cycle for a 40 KiB TinyGo-style image at 921600 (reset, sync, write,
 *    verify, reset) with datasheet flash timings, erasing only what is written vs. the whole chip first.
 *
 * For Flashdeck's runs, a breakdown by stage: wall time = wire + flash wait + replies held + other
 * (turnarounds, host and chip work, the reset pulse). Flash wait: complete commands queued behind
 * earlier flash work (the stub writes after acknowledging), as counted since this bench began.
 * Replies held: replies waiting for their own command's flash work (the flash read behind
 * SPI_FLASH_MD5, the ROM's erase in FLASH_BEGIN), counted since the simulator began to.
 *
 * Figures go to stdout as ratios and to bench/results/esp32.json with units.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ESPLoader, Transport } from 'esptool-js';
import { flashEsp32 } from '../drivers/esp32/flash-esp32';
import { openSerialLink } from '../drivers/common/serial-port-link';
import { tinygoStyleImage } from '../simulators/esp32/esp-image-builder';
import { type Esp32Sim, startEsp32Sim } from '../simulators/esp32/start-sim';
import { NodeWebSerialPort } from '../simulators/esp32/web-serial-adapter';

const MiB = 1024 * 1024;
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const quiet = { clean() {}, writeLine() {}, write() {} };
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** TinyGo images start at 0x1000 on the ESP32 (sector erases up to the first 64 KiB block) and at 0x0 on the C3. */
const TARGETS = { esp32: { chipId: 0x0000, address: 0x1000 }, esp32c3: { chipId: 0x0005, address: 0x0 } } as const;
type BenchChip = keyof typeof TARGETS;

interface Run {
  client: 'flashdeck' | 'esptool-js';
  chip: BenchChip;
  baud: number;
  imageBytes: number;
  wireBytes: number;
  wireSeconds: number;
  wallSeconds: number;
  wireEfficiency: number;
  /** Seconds complete commands waited in the chip's queue behind earlier commands' flash work (the flash wait). */
  flashBoundSeconds: number;
  /** Seconds replies waited for their own command's flash work (MD5's flash read, the ROM's erase before it answers). */
  flashHeldSeconds: number;
  /** Wall time minus wire time minus flash-bound waiting: reset, turnarounds, host work. */
  otherOverheadSeconds: number;
  effectiveBytesPerSecond: number;
  md5: string;
  /** Flashdeck only: where the wall time went, stage by stage (see phaseBreakdown). */
  breakdown?: Phase[];
}

/** One stretch of a Flashdeck run between progress stages: wall time split into line time, time the chip's flash held commands back, and the rest. */
interface Phase {
  phase: string;
  wallSeconds: number;
  wireSeconds: number;
  flashWaitSeconds: number;
  flashHeldSeconds: number;
  /** Wall minus wire, flash wait and replies held: turnarounds, host and chip work, fixed delays. */
  otherSeconds: number;
  commands: number;
}

/** What each stage is, for the breakdown: the stages the driver reports, named by what the time is spent on. */
const PHASES: Record<string, string> = {
  validating: 'inspect image',
  connecting: 'reset pulse (EN low 100 ms, boot until the ROM banner, ≤ 50 ms)',
  syncing: 'sync',
  detecting: 'detect chip, baud switch and its check, flash id',
  'uploading-stub': 'stub upload',
  erasing: 'write',
  writing: 'write',
  verifying: 'chip reads back and hashes the flash (MD5)',
  resetting: 'reset',
};

const flashWaitSeconds = (sim: Esp32Sim) => sim.device.busyWaitMs / 1000;
const flashHeldSeconds = (sim: Esp32Sim) => sim.device.flashHeldMs / 1000;

/** Collects phases from a run's progress events and the simulator's own counters. */
function phaseRecorder(sim: Esp32Sim) {
  const phases: Phase[] = [];
  let open: { phase: string; t: number; wire: number; busy: number; held: number; commands: number } | null = null;
  const close = () => {
    if (!open) return;
    const wall = (performance.now() - open.t) / 1000;
    const wire = sim.device.wireSeconds() - open.wire;
    const busy = flashWaitSeconds(sim) - open.busy;
    const held = flashHeldSeconds(sim) - open.held;
    const commands = sim.device.commandLog.length - open.commands;
    const same = phases.find((p) => p.phase === open!.phase);
    const into = same ?? { phase: open.phase, wallSeconds: 0, wireSeconds: 0, flashWaitSeconds: 0, flashHeldSeconds: 0, otherSeconds: 0, commands: 0 };
    into.wallSeconds += wall;
    into.wireSeconds += wire;
    into.flashWaitSeconds += busy;
    into.flashHeldSeconds += held;
    into.otherSeconds += wall - wire - busy - held;
    into.commands += commands;
    if (!same) phases.push(into);
  };
  const start = (phase: string) => {
    close();
    open = { phase, t: performance.now(), wire: sim.device.wireSeconds(), busy: flashWaitSeconds(sim), held: flashHeldSeconds(sim), commands: sim.device.commandLog.length };
  };
  start('open port');
  return {
    stage(stage: string) {
      const phase = PHASES[stage] ?? stage;
      if (open?.phase !== phase) start(phase);
    },
    finish(): Phase[] {
      close();
      open = null;
      return phases.map((p) => ({
        ...p,
        wallSeconds: round(p.wallSeconds),
        wireSeconds: round(p.wireSeconds),
        flashWaitSeconds: round(p.flashWaitSeconds),
        flashHeldSeconds: round(p.flashHeldSeconds),
        otherSeconds: round(p.otherSeconds),
      }));
    },
  };
}

/** Line time over wall time with the flash wait (commands queued behind flash work) set aside. */
const excludingFlashWait = (r: Run) => round(r.wireSeconds / (r.wallSeconds - r.flashBoundSeconds));
/** The same with the replies held by their own flash work set aside too: everything the simulated flash made the host wait for. */
const excludingFlashWork = (r: Run) => round(r.wireSeconds / (r.wallSeconds - r.flashBoundSeconds - r.flashHeldSeconds));

async function throughput(client: Run['client'], chip: BenchChip, image: Uint8Array, baud: number): Promise<Run> {
  // In-process binding: exact pacing at the baud and DTR/RTS, so both clients reset the board themselves.
  const { address } = TARGETS[chip];
  const sim = await startEsp32Sim({ chip, transport: 'binding', throttle: true, timeScale: 1 });
  const t0 = performance.now();
  let digest = '';
  let breakdown: Phase[] | undefined;
  try {
    if (client === 'flashdeck') {
      const phases = phaseRecorder(sim);
      const { link, close } = await openSerialLink(sim.hostPath, { binding: sim.binding });
      try {
        const outcome = await flashEsp32(link, image, { baud, after: 'no-reset', onProgress: (p) => phases.stage(p.stage) });
        digest = outcome.details.md5;
        breakdown = phases.finish();
      } finally {
        await close();
      }
    } else {
      const port = new NodeWebSerialPort(sim.hostPath, { binding: sim.binding, usbVendorId: 0x10c4, usbProductId: 0xea60 });
      const transport = new Transport(port as unknown as ConstructorParameters<typeof Transport>[0], false);
      const loader = new ESPLoader({ transport, baudrate: baud, romBaudrate: 115200, terminal: quiet });
      try {
        await loader.main('default_reset');
        await loader.writeFlash({
          fileArray: [{ data: image, address }],
          flashMode: 'keep',
          flashFreq: 'keep',
          flashSize: 'keep',
          eraseAll: false,
          compress: true,
          calculateMD5Hash: (d: Uint8Array) => md5(d),
        });
        digest = await loader.flashMd5sum(address, image.length);
      } finally {
        await transport.disconnect().catch(() => {});
      }
    }
    const wallSeconds = (performance.now() - t0) / 1000;
    const flashed = md5(sim.flash.read(address, image.length));
    if (digest !== md5(image) || flashed !== digest) throw new Error(`${client} @${baud}: MD5 mismatch (${digest} / ${flashed})`);
    const wireSeconds = sim.device.wireSeconds();
    return {
      client,
      chip,
      baud,
      imageBytes: image.length,
      wireBytes: sim.device.wireBytes(),
      wireSeconds: round(wireSeconds),
      wallSeconds: round(wallSeconds),
      wireEfficiency: round(wireSeconds / wallSeconds),
      flashBoundSeconds: round(flashWaitSeconds(sim)),
      flashHeldSeconds: round(flashHeldSeconds(sim)),
      otherOverheadSeconds: round(wallSeconds - wireSeconds - flashWaitSeconds(sim) - flashHeldSeconds(sim)),
      effectiveBytesPerSecond: Math.round(image.length / wallSeconds),
      md5: digest,
      breakdown,
    };
  } finally {
    await sim.close();
  }
}

async function userCycle(eraseAll: boolean): Promise<{ eraseAll: boolean; wallSeconds: number; chipErases: number; sectorsErased: number; blocksErased: number }> {
  const image = tinygoStyleImage(0, 40 * 1024, 99);
  const sim = await startEsp32Sim({ chip: 'esp32', transport: 'binding', throttle: true, timeScale: 1 });
  const { link, close } = await openSerialLink(sim.hostPath, { binding: sim.binding });
  try {
    const t0 = performance.now();
    const outcome = await flashEsp32(link, image, { baud: 921600, eraseAll, timeouts: { chipEraseMs: 120_000 } });
    const wallSeconds = (performance.now() - t0) / 1000;
    if (outcome.details.md5 !== md5(image) || md5(sim.flash.read(0x1000, image.length)) !== md5(image)) throw new Error('cycle: MD5 mismatch');
    return { eraseAll, wallSeconds: round(wallSeconds), chipErases: sim.flash.chipErases, sectorsErased: sim.flash.sectorsErased, blocksErased: sim.flash.blocksErased };
  } finally {
    await close();
    await sim.close();
  }
}

async function main(): Promise<void> {
  const images = { esp32: tinygoStyleImage(TARGETS.esp32.chipId, MiB, 7), esp32c3: tinygoStyleImage(TARGETS.esp32c3.chipId, MiB, 7) };
  const image = images.esp32;
  const { deflateSync } = await import('node:zlib');
  const deflateRatio = deflateSync(image, { level: 9 }).length / image.length;
  console.log(`1 MiB image, deflate ratio ${(deflateRatio * 100).toFixed(1)} %`);

  const cases: Array<[BenchChip, number]> = [
    ['esp32', 921600],
    ['esp32', 115200],
    ['esp32c3', 921600],
  ];
  const runs: Run[] = [];
  for (const [chip, baud] of cases) {
    for (const client of ['flashdeck', 'esptool-js'] as const) {
      const run = await throughput(client, chip, images[chip], baud);
      runs.push(run);
      console.log(
        `${client.padEnd(10)} ${chip.padEnd(7)} @${String(baud).padStart(6)}: wall ${run.wallSeconds.toFixed(2)} s, wire ${run.wireBytes} B = ${run.wireSeconds.toFixed(2)} s → wire efficiency ${run.wireEfficiency.toFixed(3)} (waiting for simulated flash ${run.flashBoundSeconds.toFixed(2)} s, replies held by their own flash work ${run.flashHeldSeconds.toFixed(2)} s, other ${run.otherOverheadSeconds.toFixed(2)} s), effective ${(run.effectiveBytesPerSecond / 1024).toFixed(1)} KiB/s = ${((run.effectiveBytesPerSecond * 10) / baud).toFixed(2)} × the raw line rate`,
      );
      for (const p of run.breakdown ?? []) {
        console.log(
          `    ${p.phase.padEnd(42)} ${p.wallSeconds.toFixed(3)} s = wire ${p.wireSeconds.toFixed(3)} + flash wait ${p.flashWaitSeconds.toFixed(3)} + replies held ${p.flashHeldSeconds.toFixed(3)} + other ${p.otherSeconds.toFixed(3)} (${p.commands} commands${p.commands ? `, ${((p.otherSeconds / p.commands) * 1000).toFixed(1)} ms other each` : ''})`,
        );
      }
      if (run.breakdown) {
        console.log(
          `    wire efficiency excluding flash wait ${excludingFlashWait(run).toFixed(3)}; excluding the replies held by their own flash work too ${excludingFlashWork(run).toFixed(3)}`,
        );
      }
    }
  }
  const ours = (chip: BenchChip, baud: number) => runs.find((r) => r.client === 'flashdeck' && r.chip === chip && r.baud === baud)!;
  const ratio = (chip: BenchChip, baud: number) => {
    const peer = runs.find((r) => r.client === 'esptool-js' && r.chip === chip && r.baud === baud)!;
    return round(ours(chip, baud).effectiveBytesPerSecond / peer.effectiveBytesPerSecond);
  };
  for (const [chip, baud] of cases) console.log(`throughput ratio Flashdeck / esptool-js, ${chip} @${baud}: ${ratio(chip, baud).toFixed(3)}`);

  const partial = await userCycle(false);
  console.log(`40 KiB cycle @921600, erase only written sectors: ${partial.wallSeconds.toFixed(2)} s (${((partial.wallSeconds / 1.5) * 100).toFixed(0)} % of the 1.5 s budget)`);
  const full = await userCycle(true);
  console.log(
    `40 KiB cycle @921600, whole-chip erase first:    ${full.wallSeconds.toFixed(2)} s → erase-only-written is ${(full.wallSeconds / partial.wallSeconds).toFixed(1)}× faster`,
  );

  const ourRuns = runs.filter((r) => r.client === 'flashdeck');
  const minEfficiency = Math.min(...ourRuns.map((r) => r.wireEfficiency));
  const minRatio = Math.min(...cases.map(([chip, baud]) => ratio(chip, baud)));
  const minExcludingFlashWait = Math.min(...ourRuns.map(excludingFlashWait));
  const minExcludingFlashWork = Math.min(...ourRuns.map(excludingFlashWork));
  const goals = {
    wireEfficiencyAtLeast0_90: {
      value: minEfficiency,
      unit: 'ratio',
      pass: minEfficiency >= 0.9,
      byRun: Object.fromEntries(ourRuns.map((r) => [`${r.chip}@${r.baud}`, r.wireEfficiency])),
    },
    wireEfficiencyExcludingFlashWaitAtLeast0_95: {
      value: minExcludingFlashWait,
      unit: 'ratio',
      pass: minExcludingFlashWait >= 0.95,
      byRun: Object.fromEntries(ourRuns.map((r) => [`${r.chip}@${r.baud}`, excludingFlashWait(r)])),
    },
    wireEfficiencyExcludingFlashWorkAtLeast0_95: {
      value: minExcludingFlashWork,
      unit: 'ratio',
      pass: minExcludingFlashWork >= 0.95,
      byRun: Object.fromEntries(ourRuns.map((r) => [`${r.chip}@${r.baud}`, excludingFlashWork(r)])),
    },
    ratioVsEsptoolJsAtLeast1: { value: minRatio, unit: 'ratio', pass: minRatio >= 1 },
    cycle40KiBAtMost1_5s: { value: partial.wallSeconds, unit: 's', pass: partial.wallSeconds <= 1.5 },
    cycleSpeedupVsChipEraseAtLeast5: { value: round(full.wallSeconds / partial.wallSeconds, 2), unit: 'ratio', pass: full.wallSeconds / partial.wallSeconds >= 5 },
  };
  for (const [name, g] of Object.entries(goals)) console.log(`${g.pass ? 'PASS' : 'FAIL'} ${name}: ${g.value} ${g.unit}`);

  const results = {
    generatedAt: new Date().toISOString(),
    simulator: {
      chips: Object.keys(TARGETS),
      transport: 'in-process serialport binding, paced at 10 bits/byte at the device baud, DTR/RTS reset',
      flashTiming: 'W25Q32JV typ.: sector 45 ms, 64 KiB block 150 ms, chip 2500 ms/MiB, page 0.4 ms/256 B',
    },
    image: { bytes: image.length, unit: 'B', deflateRatio: { value: round(deflateRatio), unit: 'ratio' } },
    throughput: runs.map((r) => ({
      client: r.client,
      chip: r.chip,
      address: TARGETS[r.chip].address,
      baud: { value: r.baud, unit: 'bit/s' },
      wireBytes: { value: r.wireBytes, unit: 'B' },
      wireTime: { value: r.wireSeconds, unit: 's' },
      wallTime: { value: r.wallSeconds, unit: 's' },
      wireEfficiency: { value: r.wireEfficiency, unit: 'ratio' },
      wireEfficiencyExcludingFlashWait: { value: excludingFlashWait(r), unit: 'ratio' },
      wireEfficiencyExcludingFlashWork: { value: excludingFlashWork(r), unit: 'ratio' },
      flashBoundWait: { value: r.flashBoundSeconds, unit: 's' },
      flashHeldReplies: { value: r.flashHeldSeconds, unit: 's' },
      otherOverhead: { value: r.otherOverheadSeconds, unit: 's' },
      effectiveThroughput: { value: r.effectiveBytesPerSecond, unit: 'B/s' },
      effectiveVsLineRate: { value: round((r.effectiveBytesPerSecond * 10) / r.baud), unit: 'ratio' },
      md5: r.md5,
      ...(r.breakdown
        ? {
            breakdown: r.breakdown.map((p) => ({
              phase: p.phase,
              wall: { value: p.wallSeconds, unit: 's' },
              wire: { value: p.wireSeconds, unit: 's' },
              flashWait: { value: p.flashWaitSeconds, unit: 's' },
              flashHeld: { value: p.flashHeldSeconds, unit: 's' },
              other: { value: p.otherSeconds, unit: 's' },
              commands: p.commands,
            })),
          }
        : {}),
    })),
    ratioVsEsptoolJs: Object.fromEntries(cases.map(([chip, baud]) => [`${chip}@${baud}`, { value: ratio(chip, baud), unit: 'ratio' }])),
    cycle40KiB: {
      baud: { value: 921600, unit: 'bit/s' },
      eraseWrittenOnly: { value: partial.wallSeconds, unit: 's', sectorsErased: partial.sectorsErased, blocksErased: partial.blocksErased },
      wholeChipEraseFirst: { value: full.wallSeconds, unit: 's', chipErases: full.chipErases },
      speedup: { value: round(full.wallSeconds / partial.wallSeconds, 2), unit: 'ratio' },
      budgetUsed: { value: round(partial.wallSeconds / 1.5), unit: 'ratio of 1.5 s' },
    },
    goals,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/esp32.json', import.meta.url), JSON.stringify(results, null, 2) + '\n');
  console.log('wrote bench/results/esp32.json');
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
