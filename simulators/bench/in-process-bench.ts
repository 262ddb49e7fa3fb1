/**
 * The simulated boards behind "Try with a simulated board": each is the same byte-level simulator
 * the tests use, plugged into an in-process node-serialport binding, so the app's own drivers,
 * console and telemetry talk to it exactly as to hardware (DTR/RTS drive its reset circuit).
 * A board arrives running a heap-telemetry sample from its flash, and has its buttons.
 */
import type { SimulatedBench } from '../../electron/services/ports/simulated-bench';
import { SIMULATED_PATH_PREFIX } from '../../electron/services/ports/simulated-bench';
import { type SimulatedBoardKind, type SimulatedButton } from '../../electron/contract-values';
import { SimBinding } from '../common/sim-binding';
import { startEsp32Sim, type Esp32Sim } from '../esp32/start-sim';
import { SIM_CHIPS } from '../esp32/chip-profiles';
import { buildEspImage, firmwareLikeBytes } from '../esp32/esp-image-builder';

/** What the heap-telemetry program keeps in rodata (resources/programs/heap-telemetry/main.go): its labels. */
const HEAP_TELEMETRY_STRINGS = 'uptime_ms:\0,heap_alloc:\0,heap_inuse:\0,heap_idle:\0,heap_sys:\0,total_alloc:\0,mallocs:\0,frees:\0arduino\0' + '1000\0';

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

interface Plugged {
  kind: SimulatedBoardKind;
  sim: Esp32Sim;
  serialNumber: string;
}

/** A CP2102 bridge, as on an ESP32 DevKitC; the serial number tells simulated boards apart. */
const BRIDGE = { vendorId: '10c4', productId: 'ea60', manufacturer: 'Silicon Labs' };

/** The heap-telemetry program's default period (its -X main.periodMs). */
const SAMPLE_PERIOD_MS = 1000;

export function createInProcessBench(): SimulatedBench {
  const binding = new SimBinding();
  const plugged = new Map<string, Plugged>();
  let counter = 0;
  const at = (path: string): Plugged => {
    const board = plugged.get(path);
    if (!board) throw new Error(`No simulated board at ${path}.`);
    return board;
  };
  return {
    binding,
    list: () => [...plugged.entries()].map(([path, { serialNumber }]) => ({ path, ...BRIDGE, serialNumber })),
    async start(kind) {
      const path = `${SIMULATED_PATH_PREFIX}${kind}-${++counter}`;
      const serialNumber = `FLASHDECK-SIM-${counter}`;
      const sim = await startEsp32Sim({
        chip: 'esp32',
        transport: 'binding',
        binding,
        path,
        info: { ...BRIDGE, serialNumber },
        preload: [{ address: SIM_CHIPS.esp32.bootloaderOffset, bytes: heapTelemetrySample() }],
        appOutputIntervalMs: SAMPLE_PERIOD_MS,
      });
      plugged.set(path, { kind, sim, serialNumber });
      return { path, target: 'esp32-coreboard-v2' };
    },
    kindAt: (path) => plugged.get(path)?.kind,
    press(path, button: SimulatedButton) {
      const { sim } = at(path);
      if (button === 'boot-en') {
        sim.device.pressBootAndTapEn();
        return 'BOOT held while EN was tapped: the ROM loader waits for a download.';
      }
      // EN alone: the chip resets and samples GPIO0 as it is held now (by BOOT or the port's DTR).
      sim.device.softReset();
      return 'EN tapped: the chip restarted and runs the program in its flash.';
    },
    sample: () => ({ name: 'heap-telemetry-sample.bin', bytes: heapTelemetrySample() }),
    async close() {
      for (const { sim } of plugged.values()) await sim.close();
      plugged.clear();
    },
  };
}
