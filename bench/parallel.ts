/**
 * Several boards at once (npm run bench:parallel): the same 1 MiB firmware-like image flashed by
 * Flashdeck's flash service (what `flashdeck flash --port A --port B …` and the window use) to one
 * simulated ESP32, then to four at once, at 921600 baud. Each simulator is its own process on its
 * own pseudo-terminal, paced at the baud, so the boards are as independent as USB adapters are.
 *
 *   ratio = wall time for 4 boards / wall time for 1 board      (goal ≤ 1.3 on a 2-core machine)
 *   host CPU = this process's CPU time / wall time               (the flashing host, not the simulators)
 *
 * Figures go to stdout and to bench/results/parallel.json with units.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createAppServices, type AppServices } from '../electron/services/app-services';
import type { EventPayload } from '../electron/contract';
import { tinygoStyleImage } from '../simulators/esp32/esp-image-builder';

const root = resolve(import.meta.dirname, '..');
const MiB = 1024 * 1024;
const BAUD = 921_600;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

interface SimProcess {
  child: ChildProcess;
  path: string;
}

function startSim(): Promise<SimProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'simulators', 'cli.ts'), 'esp32', '--baud', '115200'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'ignore'],
    shell: false,
  });
  return new Promise((done, fail) => {
    createInterface({ input: child.stdout! }).once('line', (path) => done({ child, path }));
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`simulator exited with ${code}`)));
  });
}

/** CPU seconds a process has used (Linux /proc; 0 elsewhere). */
function cpuSecondsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
}

async function flashAll(services: AppServices, boardIds: string[], file: string) {
  const sims = boardIds.length;
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const results = await Promise.all(
    boardIds.map(
      (boardId) =>
        new Promise<EventPayload<'flash.finished'>>((done, fail) => {
          let jobId: string | null = null;
          const early: EventPayload<'flash.finished'>[] = [];
          const stop = services.hub.subscribe((name, payload) => {
            if (name !== 'flash.finished') return;
            const event = payload as EventPayload<'flash.finished'>;
            if (jobId === null) early.push(event);
            else if (event.jobId === jobId) {
              stop();
              done(event);
            }
          });
          services.flash.start(boardId, { path: file }).then(({ jobId: id }) => {
            jobId = id;
            const found = early.find((event) => event.jobId === id);
            if (found) {
              stop();
              done(found);
            }
          }, fail);
        }),
    ),
  );
  const wallSeconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const failed = results.filter((result) => !result.ok);
  if (failed.length) throw new Error(`${failed.length} of ${sims} flashes failed: ${failed.map((f) => f.error?.message).join('; ')}`);
  return {
    boards: sims,
    wallSeconds: round(wallSeconds),
    hostCpuSeconds: round((cpu.user + cpu.system) / 1e6),
    verifiedBy: [...new Set(results.map((r) => r.outcome?.verifiedBy))],
  };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-bench-parallel-'));
  const sims = await Promise.all([0, 1, 2, 3, 4].map(() => startSim()));
  let services: AppServices | null = null;
  try {
    services = await createAppServices({ dataDir, mode: 'cli', version: 'bench', programsDir: join(root, 'resources', 'programs'), lister: async () => [], log: () => {} });
    services.handlers['settings.update']({ espFlashBaud: BAUD });
    const boardIds: string[] = [];
    for (const sim of sims) {
      const board = await services.registry.addByPath(sim.path);
      await services.registry.update(board.id, { target: 'esp32-coreboard-v2' });
      boardIds.push(board.id);
    }
    const image = tinygoStyleImage(0, MiB, 9);
    const file = join(dataDir, 'app-1MiB.bin');
    writeFileSync(file, image);

    const simCpu = () => sims.reduce((sum, sim) => sum + cpuSecondsOf(sim.child.pid!), 0);
    let simBefore = simCpu();
    const one = await flashAll(services, boardIds.slice(0, 1), file);
    const oneSimCpu = round(simCpu() - simBefore);
    simBefore = simCpu();
    const four = await flashAll(services, boardIds.slice(1, 5), file);
    const fourSimCpu = round(simCpu() - simBefore);

    const ratio = round(four.wallSeconds / one.wallSeconds);
    const cpuShare = (run: { hostCpuSeconds: number; wallSeconds: number }) => round((100 * run.hostCpuSeconds) / run.wallSeconds, 1);
    console.log(`1 board:  ${one.wallSeconds} s wall, host CPU ${one.hostCpuSeconds} s (${cpuShare(one)} % of one core); simulators ${oneSimCpu} s CPU`);
    console.log(`4 boards: ${four.wallSeconds} s wall, host CPU ${four.hostCpuSeconds} s (${cpuShare(four)} % of one core); simulators ${fourSimCpu} s CPU`);
    console.log(`4-board / 1-board wall time: ${ratio} (goal ≤ 1.3 on a 2-core machine; ${cpus().length} cores here)`);
    mkdirSync(join(root, 'bench', 'results'), { recursive: true });
    writeFileSync(
      join(root, 'bench', 'results', 'parallel.json'),
      JSON.stringify(
        {
          at: new Date().toISOString(),
          cores: cpus().length,
          imageBytes: image.length,
          baud: BAUD,
          oneBoard: { ...one, wallUnit: 's', hostCpuUnit: 's', hostCpuPercentOfOneCore: cpuShare(one), simulatorCpuSeconds: oneSimCpu },
          fourBoards: { ...four, wallUnit: 's', hostCpuUnit: 's', hostCpuPercentOfOneCore: cpuShare(four), simulatorCpuSeconds: fourSimCpu },
          wallRatioFourToOne: ratio,
          goal: 'wallRatioFourToOne <= 1.3',
        },
        null,
        2,
      ) + '\n',
    );
  } finally {
    await services?.close();
    for (const sim of sims) sim.child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
