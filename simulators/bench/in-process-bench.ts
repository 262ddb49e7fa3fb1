/**
 * The simulated boards behind "Try with a simulated board": each is the same byte-level simulator
 * the tests use, plugged into an in-process node-serialport binding, so the app's own drivers,
 * console and telemetry talk to it exactly as to hardware (DTR/RTS drive an ESP32's reset circuit;
 * a 1200-baud touch sends a Feather into its UF2 bootloader, whose drive is a folder the app
 * searches besides the OS's mount points). A board arrives running a heap-telemetry sample, and has
 * its buttons.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { FlashdeckError } from '../../drivers/common/errors';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SimulatedBench } from '../../electron/services/ports/simulated-bench';
import { SIMULATED_PATH_PREFIX } from '../../electron/services/ports/simulated-bench';
import { SIMULATED_BOARD_BUTTONS, SIMULATED_BUTTONS, type SimulatedButton } from '../../electron/contract-values';
import { SimBinding } from '../common/sim-binding';
import { startEsp32Sim, type Esp32Sim, type StartEsp32SimOptions } from '../esp32/start-sim';
import { SIM_CHIPS } from '../esp32/chip-profiles';
import { buildEspImage, firmwareLikeBytes } from '../esp32/esp-image-builder';
import { HEAP_TELEMETRY_STRINGS } from '../esp32/app-model';
import { nrf52HeapTelemetryApp, nrf52HeapTelemetrySample, SimulatedUf2Board } from './nrf52-uf2-board';

/**
 * An ESP32 app image shaped like a TinyGo build of heap-telemetry (rodata, data and code segments
 * at TinyGo's addresses, its string constants in rodata): the simulated chip runs it as that
 * program. It is a stand-in for the real build and runs on the simulated board only.
 */
export function heapTelemetrySample(): Uint8Array {
  const labels = new TextEncoder().encode(HEAP_TELEMETRY_STRINGS);
  const rodataFiller = firmwareLikeBytes(9 * 1024, 41);
  const rodata = new Uint8Array(rodataFiller.length + labels.length);
  rodata.set(rodataFiller);
  rodata.set(labels, rodataFiller.length);
  return buildEspImage({
    chipId: 0,
    segments: [
      { loadAddress: 0x3f400020, data: rodata },
      { loadAddress: 0x3ffb0000, data: firmwareLikeBytes(3 * 1024, 42) },
      { loadAddress: 0x400d0020, data: firmwareLikeBytes(38 * 1024, 43) },
    ],
    entry: 0x400d0020,
  });
}

/** The heap-telemetry program's default period (its -X main.periodMs). */
const SAMPLE_PERIOD_MS = 1000;
/** A CP2102 bridge, as on an ESP32 DevKitC; the serial number tells simulated boards apart. */
const BRIDGE = { vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs' };
/** More than anyone tries at once; a page that asks for more gets a plain refusal, not a machine full of simulators. */
export const MAX_SIMULATED_BOARDS = 8;

type Board = { kind: 'esp32'; sim: Esp32Sim } | { kind: 'nrf52-uf2'; board: SimulatedUf2Board };

export interface InProcessBenchOptions {
  /** Timing of the simulated ESP32s (tests: how long their port takes to open). */
  esp32?: Pick<StartEsp32SimOptions, 'openMs'>;
}

export function createInProcessBench(options: InProcessBenchOptions = {}): SimulatedBench {
  const binding = new SimBinding();
  const boards = new Map<string, Board>();
  let counter = 0;
  // Serial numbers differ from one run to the next: a new simulated board never inherits an earlier one's name, log or history.
  const run = randomUUID().slice(0, 8).toUpperCase();
  let driveRoot: string | null = null;
  const at = (portPath: string): Board => {
    const board = boards.get(portPath);
    if (!board) throw new Error(`No simulated board at ${portPath}.`);
    return board;
  };
  return {
    binding,
    async list() {
      return (await binding.list()).map(({ path: portPath, vendorId, productId, manufacturer, serialNumber }) => ({
        path: portPath,
        vendorId,
        productId,
        manufacturer,
        serialNumber,
      }));
    },
    driveRoots: () => (driveRoot ? [driveRoot] : []),
    async start(kind) {
      if (boards.size >= MAX_SIMULATED_BOARDS)
        throw new FlashdeckError({
          code: 'SIMULATOR_UNAVAILABLE',
          stage: 'starting',
          message: `Flashdeck simulates at most ${MAX_SIMULATED_BOARDS} boards at once.`,
          hint: 'Remove one ("Remove this simulated board" in its header) before adding another.',
        });
      const portPath = `${SIMULATED_PATH_PREFIX}${kind}-${++counter}`;
      const serialNumber = `FLASHDECK-SIM-${run}-${counter}`;
      if (kind === 'nrf52-uf2') {
        driveRoot ??= mkdtempSync(path.join(tmpdir(), 'flashdeck-simulated-drives-'));
        const board = new SimulatedUf2Board(binding, portPath, serialNumber, driveRoot, SAMPLE_PERIOD_MS);
        await board.start(nrf52HeapTelemetryApp());
        boards.set(portPath, { kind, board });
        return { path: portPath, target: 'feather-nrf52840' };
      }
      const sim = await startEsp32Sim({
        ...options.esp32,
        chip: 'esp32',
        transport: 'binding',
        binding,
        path: portPath,
        info: { ...BRIDGE, serialNumber },
        preload: [{ address: SIM_CHIPS.esp32.bootloaderOffset, bytes: heapTelemetrySample() }],
        appOutputIntervalMs: SAMPLE_PERIOD_MS,
      });
      boards.set(portPath, { kind, sim });
      return { path: portPath, target: 'esp32-coreboard-v2' };
    },
    kindAt: (portPath) => boards.get(portPath)?.kind,
    press(portPath, button: SimulatedButton) {
      const board = at(portPath);
      if (!SIMULATED_BOARD_BUTTONS[board.kind].includes(button))
        throw new FlashdeckError({
          code: 'SIMULATOR_UNAVAILABLE',
          stage: 'starting',
          message: `This simulated board has no such button ("${SIMULATED_BUTTONS[button]}").`,
          hint: `Its buttons: ${SIMULATED_BOARD_BUTTONS[board.kind].map((name) => SIMULATED_BUTTONS[name]).join(', ')}.`,
        });
      if (board.kind === 'nrf52-uf2') return button === 'double-reset' ? board.board.doubleReset() : board.board.reset();
      if (button === 'boot-en') {
        board.sim.device.pressBootAndTapEn();
        return 'BOOT held while EN was tapped: the ROM loader waits for a download.';
      }
      // EN alone: the chip resets and samples GPIO0 as it is held now (by BOOT or the port's DTR).
      board.sim.device.softReset();
      return 'EN tapped: the chip restarted and runs the program in its flash.';
    },
    sample: (kind) =>
      kind === 'nrf52-uf2' ? { name: 'heap-telemetry-sample.uf2', bytes: nrf52HeapTelemetrySample() } : { name: 'heap-telemetry-sample.bin', bytes: heapTelemetrySample() },
    async remove(portPath) {
      const board = boards.get(portPath);
      if (!board) return;
      boards.delete(portPath);
      await (board.kind === 'esp32' ? board.sim.close() : board.board.close());
    },
    async close() {
      for (const board of boards.values()) await (board.kind === 'esp32' ? board.sim.close() : board.board.close());
      boards.clear();
      if (driveRoot) rmSync(driveRoot, { recursive: true, force: true });
    },
  };
}
