/**
 * Shared set-up for the ESP32 integration tests: a simulator on a transport, an open ByteLink to
 * it, a clock that shortens the driver's own waits, and short timeouts so failure paths finish fast.
 */
import type { ByteLink } from '../../drivers/common/byte-link';
import type { DriverClock } from '../../drivers/common/clock';
import { wallClock } from '../../drivers/common/clock';
import type { FlashEsp32Options } from '../../drivers/esp32/flash-esp32';
import { openSerialLink } from '../../drivers/common/serial-port-link';
import { type Esp32Sim, type StartEsp32SimOptions, startEsp32Sim } from '../../simulators/esp32/start-sim';

/** Wall clock whose sleeps (reset pulses, retry pauses) run `factor` times as long. */
export function scaledClock(factor: number): DriverClock {
  return { ...wallClock, sleep: (ms, signal, stage) => wallClock.sleep(ms * factor, signal, stage) };
}

/** Options that keep failure paths short in tests (real protocol, shorter patience). */
export const FAST: Partial<FlashEsp32Options> = {
  clock: scaledClock(0.3),
  connectAttempts: 2,
  timeouts: { defaultMs: 600, syncMs: 60, ohaiMs: 300, eraseRegionPerMbMs: 40_000, memEndRomMs: 100 },
};

export interface Rig {
  sim: Esp32Sim;
  link: ByteLink;
  close(): Promise<void>;
}

export async function openRig(options: StartEsp32SimOptions): Promise<Rig> {
  const sim = await startEsp32Sim({ timeScale: 0, ...options });
  const { link, close } = await openSerialLink(sim.hostPath, { binding: sim.binding });
  return {
    sim,
    link,
    close: async () => {
      await close();
      await sim.close();
    },
  };
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a).equals(Buffer.from(b));
}
