/**
 * Boards simulated inside the app ("Try with a simulated board"), as the port layer sees them: ports
 * with a USB identity in the list, a node-serialport binding that opens them, and the boards'
 * buttons. The simulators implement it (simulators/bench); the composition root hands it in, so
 * services never import a simulator. Paths of simulated ports start with SIMULATED_PATH_PREFIX.
 */
import type { BindingInterface } from '@serialport/bindings-interface';
import type { SimulatedBoardKind, SimulatedButton } from '../../contract-values';
import type { SerialPortInfo } from '../../../drivers/common/port-watch';

export const SIMULATED_PATH_PREFIX = 'simulated:';

export interface SimulatedBench {
  /** Opens simulated ports only (paths with SIMULATED_PATH_PREFIX). */
  binding: BindingInterface;
  /** The simulated ports plugged in now, as the OS lister would report them. */
  list(): Promise<SerialPortInfo[]>;
  /** Folders where simulated boards mount their UF2 drives, searched besides the OS's mount points. */
  driveRoots(): string[];
  /** Plugs in a new simulated board; resolves with its port path and the TinyGo target of the board it plays. */
  start(kind: SimulatedBoardKind): Promise<{ path: string; target: string }>;
  /** The kind of board at `path`, or undefined when no simulated board is there. */
  kindAt(path: string): SimulatedBoardKind | undefined;
  /** Presses a button on the board at `path`; returns what the board does, as a sentence. */
  press(path: string, button: SimulatedButton): string;
  /** A program made for this kind of simulated board (it prints heap telemetry): its file name and bytes. */
  sample(kind: SimulatedBoardKind): { name: string; bytes: Uint8Array };
  /** Unplugs the board at `path` for good (the user forgot it). */
  remove(path: string): Promise<void>;
  close(): Promise<void>;
}

export function isSimulatedPath(path: string): boolean {
  return path.startsWith(SIMULATED_PATH_PREFIX);
}

/**
 * One binding for every port: simulated paths go to the bench, the rest to the OS binding
 * (loaded on first use, so a machine without the native module still runs simulated boards).
 */
export function routedBinding(bench: SimulatedBench, osBinding: () => Promise<BindingInterface>): BindingInterface {
  const pick = async (path: string) => (isSimulatedPath(path) ? bench.binding : osBinding());
  const routed: BindingInterface = {
    list: async () => [...(await (await osBinding()).list()), ...(await bench.binding.list())],
    open: async (options) => (await pick(options.path)).open(options),
  };
  return routed;
}
