/**
 * What the nRF52 integration tests share: the boards' USB identities, how much faster than
 * hardware the simulators run, and the per-test cleanup of simulators, links and folders.
 */
import { afterEach } from 'vitest';
import type { ByteLink } from '../../drivers/common/byte-link';
import { openSerialLink } from '../../drivers/common/serial-port-link';

/** Adafruit Feather nRF52840: its app (TinyGo's USB CDC) and its bootloader. */
export const FEATHER_APP = { vendorId: '239a', productId: '802a' };
export const FEATHER_BOOT = { vendorId: '239a', productId: '0029' };
/** Nordic PCA10059 dongle: the app's CDC ACM and the open bootloader. */
export const DONGLE_APP = { vendorId: '1915', productId: 'cafe' };
export const DONGLE_BOOT = { vendorId: '1915', productId: '521f' };

/** The simulated bootloaders run 20× faster than hardware; the clients' budgets scale with them. */
export const SIM_TIMING = { timeScale: 0.05 };
/** The pty's line rate for the DFU simulators. */
export const SIM_BAUD = 1_000_000;

export type Defer = (step: () => Promise<void>) => void;

/** Steps deferred during a test run after it, newest first (a failing step does not stop the rest). Call once per file. */
export function cleanupAfterEach(): Defer {
  let steps: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const step of steps.reverse()) await step().catch(() => {});
    steps = [];
  });
  return (step) => steps.push(step);
}

/** Opens a serial link that is closed after the test. */
export function linkOpener(defer: Defer): (path: string) => Promise<ByteLink> {
  return async (path) => {
    const { link, close } = await openSerialLink(path);
    defer(close);
    return link;
  };
}
