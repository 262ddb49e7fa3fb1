/**
 * What test/fixtures/programs/selftest prints on a simulated chip: a second of silence after boot
 * (the program sleeps so the host's monitor can attach), then one line per tick — `=== RUN   TestX`
 * and `--- PASS: TestX ( n ms )` for each check named in the image, in the program's order — and the
 * verdict `PASS` or `FAIL`, then nothing. The rig decides which checks fail (a loopback wire not
 * fitted) or panic, as a bench would; every boot runs the checks again.
 */
import type { AppModel } from './app-model';

export interface SelftestRig {
  /** Checks that fail on this rig (e.g. TestUARTLoopback without its wire). */
  failing?: string[];
  /** A check that panics (TinyGo's runtime panic line), after which the program prints nothing. */
  panicIn?: string;
}

const LABELS = ['=== RUN  ', '--- PASS:', '--- FAIL:'];
/** The program's `time.Sleep(time.Second)` before its checks. */
const START_DELAY_MS = 1000;

/** The selftest program's output model, or null when the image is another program. */
export function selftestModel(imageText: string, periodMs: number, rig: SelftestRig = {}): AppModel | null {
  if (!LABELS.every((label) => imageText.includes(label))) return null;
  const checks = imageText.split('\0').filter((literal) => /^Test[A-Z]\w*$/.test(literal));
  const script: string[] = [];
  let failed = 0;
  let panicked = false;
  for (const [index, name] of checks.entries()) {
    script.push(`=== RUN   ${name}`);
    if (rig.panicIn === name) {
      script.push(`panic: runtime error at 0x400d${(0x1000 + index * 0x40).toString(16)}: index out of range`);
      panicked = true;
      break;
    }
    const ok = !rig.failing?.includes(name);
    if (!ok) failed++;
    script.push(`--- ${ok ? 'PASS' : 'FAIL'}: ${name} ( ${10 + index} ms )`);
  }
  if (!panicked) script.push(failed ? 'FAIL' : 'PASS');
  const silentTicks = Math.ceil(START_DELAY_MS / Math.max(1, periodMs));
  return {
    line(tick) {
      const at = tick - silentTicks;
      return at >= 0 && at < script.length ? `${script[at]}\r\n` : '';
    },
  };
}
