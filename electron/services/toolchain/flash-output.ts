/**
 * What `tinygo flash` prints while flashing (reference 7.4): the native espflasher of 0.41+
 * (stage lines, a `\r`-redrawn `[####…] 100.0%` bar, chip / flash-size / MD5 facts), its earlier
 * `Flashing: n/m bytes (p%)` form, and esptool / flash-tool failures. Turns each line into an event
 * using the stage names of drivers/common/flash-job.ts, for a "flash with tinygo" fallback.
 */
import type { Stage } from '../../contract-values';

export type TinygoFlashEvent =
  | { kind: 'stage'; stage: Stage; message: string }
  | { kind: 'progress'; stage: Stage; percent: number; bytesDone?: number; bytesTotal?: number }
  | { kind: 'fact'; key: 'chip' | 'flashSize' | 'md5' | 'port' | 'baud' | 'address' | 'compressed'; value: string; message: string }
  | { kind: 'error'; message: string; hint?: string }
  | { kind: 'monitor'; port: string };

const STAGE_LINES: [RegExp, Stage][] = [
  [/^Connecting to (\S+?)\.\.\.$/, 'connecting'],
  [/^Connected\.$/, 'detecting'],
  [/^Loading stub loader\.\.\.$/, 'uploading-stub'],
  [/^Stub running\.$/, 'uploading-stub'],
  [/^Erasing flash\.\.\.$/, 'erasing'],
  [/^Flash erased\.$/, 'erasing'],
  [/^Attaching SPI flash\.\.\.$/, 'configuring'],
  [/^Configuring flash size\.\.\.$/, 'configuring'],
  [/^Flash params set to /, 'configuring'],
  [/^SHA digest in image updated$/, 'configuring'],
  [/^Switching to \d+ baud\.\.\.$/, 'changing-baud'],
  [/^Flash complete\. Verifying\.\.\.$/, 'verifying'],
  [/^Device reset\.$/, 'resetting'],
];

/**
 * Splits raw output into lines the way a terminal shows them: `\r` redraws end a line too, so
 * each progress redraw becomes its own line.
 */
export function splitFlashOutput(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
}

/** One line → event, or null for lines with nothing to report. `stage` is the current stage. */
export function parseTinygoFlashLine(line: string, stage: Stage = 'writing'): TinygoFlashEvent | null {
  const text = line.trim();
  if (!text) return null;
  let m = /^\[[#. -]*\]\s+(\d+(?:\.\d+)?)%$/.exec(text);
  if (m) return { kind: 'progress', stage, percent: Number(m[1]) };
  m = /^Flashing: (\d+)\/(\d+) bytes \((\d+)%\)$/.exec(text);
  if (m) return { kind: 'progress', stage: 'writing', percent: Number(m[3]), bytesDone: Number(m[1]), bytesTotal: Number(m[2]) };
  m = /^Connected to (\S+)\. Press Ctrl-C to exit\.$/.exec(text);
  if (m) return { kind: 'monitor', port: m[1] };
  m = /^Detected chip: (.+)$/.exec(text) ?? /^Connected to (ESP\S*)$/.exec(text);
  if (m) return { kind: 'fact', key: 'chip', value: m[1], message: text };
  m = /^Auto-detected flash size: (\S+)$/.exec(text);
  if (m) return { kind: 'fact', key: 'flashSize', value: m[1], message: text };
  m = /^MD5 verified: ([0-9a-f]{32})$/i.exec(text);
  if (m) return { kind: 'fact', key: 'md5', value: m[1].toLowerCase(), message: text };
  m = /^Running at (\d+) baud\.$/.exec(text);
  if (m) return { kind: 'fact', key: 'baud', value: m[1], message: text };
  m = /^Compressed (\d+) bytes to (\d+) \((\d+)%\)$/.exec(text);
  if (m) return { kind: 'fact', key: 'compressed', value: `${m[1]}→${m[2]}`, message: text };
  m = /^Flash begin: (\d+) bytes at (0x[0-9a-fA-F]+)/.exec(text);
  if (m) return { kind: 'fact', key: 'address', value: m[2], message: text };
  m = /^A fatal error occurred: (.*)$/.exec(text);
  if (m) {
    const wrongChip = /This chip is (\S+) not (\S+)\. Wrong --chip argument\?/.exec(m[1]);
    return {
      kind: 'error',
      message: m[1],
      hint: wrongChip
        ? `The board is an ${wrongChip[1]} but the target is for an ${wrongChip[2]}: pick a target for the ${wrongChip[1]} and rebuild.`
        : 'Hold BOOT while pressing RESET to enter the bootloader, check the cable and port, then retry.',
    };
  }
  m = /^(?:error: )?failed to flash (.+): (exit status \d+.*)$/.exec(text);
  if (m) return { kind: 'error', message: `failed to flash ${m[1]}: ${m[2]}`, hint: 'The flash tool failed; its output above says why.' };
  for (const [pattern, name] of STAGE_LINES) {
    m = pattern.exec(text);
    if (m) return { kind: 'stage', stage: name, message: text };
  }
  return null;
}

/** Parses a whole captured output, tracking the stage so progress bars are attributed to it. */
export function parseTinygoFlashOutput(text: string): TinygoFlashEvent[] {
  const events: TinygoFlashEvent[] = [];
  let stage: Stage = 'connecting';
  for (const line of splitFlashOutput(text)) {
    const event = parseTinygoFlashLine(line, stage === 'configuring' || stage === 'changing-baud' ? 'writing' : stage);
    if (!event) continue;
    if (event.kind === 'stage') stage = event.stage;
    if (event.kind === 'fact' && event.key === 'address') stage = 'writing';
    events.push(event);
  }
  return events;
}
