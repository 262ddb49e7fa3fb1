/**
 * A finished flash as the user reads it: one sentence saying what was written where and how it was
 * checked, the driver's facts as labelled rows behind "Details", and the same as plain text to copy
 * into a bug report. The Flash tab and Flash all both use it.
 */
import type { FlashOutcomeDto as FlashOutcome } from '../../electron/contract';
import { IMAGE_KINDS, type ImageKind, type VerificationMethod } from '../../electron/contract-values';
import { bytes } from '../history/history-model';
import { formatBytes } from '../lib/bytes';
import { imageKindLabel } from '../lib/words';

export interface FlashResultView {
  /** "Flashed and verified by MD5: …" — or, for a copy nobody confirmed, what is and is not known. */
  sentence: string;
  /** False when the bytes left but nothing confirmed they arrived (a DAPLink drive that did not remount). */
  confirmed: boolean;
  /** The driver's facts with labels, in the order the labels list them, then any others. */
  facts: { label: string; value: string }[];
}

/** How each driver's `verifiedBy` reads: the check's name and what it proved. */
const VERIFICATIONS: Record<Exclude<VerificationMethod, 'copied'>, { by: string; proof: string }> = {
  md5: { by: 'MD5', proof: "the chip's MD5 of the written flash matches the image" },
  crc32: { by: 'CRC-32', proof: "the bootloader's CRC-32 of every object matched" },
  're-enumerated': { by: 'the board coming back', proof: 'the board came back as its app' },
  'bootloader-left': { by: 'the bootloader', proof: 'the bootloader accepted the image and left for the app' },
  'bootloader-silent': { by: 'the bootloader', proof: 'the bootloader accepted the image and stopped answering, as it does when it starts the app' },
  'daplink-remount': { by: 'the probe', proof: 'the probe took the file and remounted its drive' },
  'md5 (tinygo flash)': { by: 'MD5 (tinygo flash)', proof: 'tinygo flash reported the MD5 matches' },
  'tinygo flash': { by: 'tinygo flash', proof: 'tinygo flash reported success' },
};

/** "verified by MD5": how a recorded flash was checked, in the words the result sentence uses. */
export function verifiedByPhrase(verifiedBy: VerificationMethod): string {
  if (verifiedBy === 'copied') return 'copied, not confirmed by the probe';
  return `verified by ${VERIFICATIONS[verifiedBy].by}`;
}

/** The driver detail keys the window names, in the order it lists them. `log` repeats the flash log and is left out. */
const FACT_LABELS: Record<string, string> = {
  chip: 'Chip',
  revision: 'Chip revision',
  mac: 'MAC address',
  crystal: 'Crystal',
  flashId: 'Flash chip ID',
  flashSize: 'Flash size',
  address: 'Written at',
  range: 'Written range',
  md5: 'MD5',
  crc16: 'CRC-16',
  crc32: 'CRC-32',
  protocol: 'Protocol',
  imageBytes: 'Image bytes sent',
  wireBytes: 'Bytes on the wire (compressed)',
  baud: 'Baud rate',
  loader: 'Loader',
  imageKind: 'Image kind',
  drive: 'Bootloader drive',
  boardId: 'Bootloader board ID',
  softDevice: 'SoftDevice',
  appPort: 'Port of the app',
  driveVanishedDuringWrite: 'Drive vanished during the copy',
  reset: 'Reset',
  tool: 'Tool',
  note: 'Note',
  port: 'Port',
  compressed: 'Compressed (bytes sent → on the wire)',
};
const HIDDEN_FACTS = new Set(['log']);

/** A byte count from a driver ("40960") as exact bytes ("40,960 B"); anything else as it came. */
const byteCount = (value: string) => (/^\d+$/.test(value) ? bytes(Number(value)) : value);
const LOADERS: Record<string, string> = { rom: 'ROM loader', stub: 'flasher stub' };
const YES_NO: Record<string, string> = { true: 'yes', false: 'no' };

/** How the window writes a driver's raw value; the driver `details` keep the raw one (tests and the CLI read them). */
const FACT_VALUES: Record<string, (value: string) => string> = {
  imageKind: (value) => (value in IMAGE_KINDS ? imageKindLabel(value as ImageKind) : value),
  loader: (value) => LOADERS[value] ?? value,
  imageBytes: byteCount,
  wireBytes: byteCount,
  compressed: (value) => value.split('→').map(byteCount).join(' → '),
  driveVanishedDuringWrite: (value) => YES_NO[value] ?? value,
};
const factValue = (key: string, value: string) => FACT_VALUES[key]?.(value) ?? value;

export function describeFlashResult(fileName: string, outcome: FlashOutcome): FlashResultView {
  const d = outcome.details;
  const facts = [
    ...Object.keys(FACT_LABELS)
      .filter((key) => d[key] !== undefined)
      .map((key) => ({ label: FACT_LABELS[key], value: factValue(key, d[key]) })),
    ...Object.keys(d)
      .filter((key) => !(key in FACT_LABELS) && !HIDDEN_FACTS.has(key))
      .map((key) => ({ label: key, value: d[key] })),
  ];
  const size = outcome.bytesWritten > 0 ? formatBytes(outcome.bytesWritten) : null;
  if (outcome.verifiedBy === 'copied') {
    return {
      sentence: `Copied ${size ?? fileName} to the probe's drive${d.drive ? ` (${d.drive})` : ''}, but the probe did not confirm it (no remount, no FAIL.TXT). Check that the board runs the new program.`,
      confirmed: false,
      facts,
    };
  }
  const check = VERIFICATIONS[outcome.verifiedBy];
  const where = d.address ? ` at ${d.address}` : d.range ? ` to ${d.range}` : '';
  const onto = d.chip ? ` on the ${d.chip}${d.revision ? ` (${d.revision})` : ''}` : d.drive ? ' through the bootloader drive' : d.protocol ? ` by ${d.protocol}` : '';
  const wrote = size ? `wrote ${size} of ${fileName}${where}${onto}` : `flashed ${fileName}${where}${onto}`;
  const back = d.appPort && outcome.verifiedBy !== 're-enumerated' ? `, and the board came back on ${d.appPort}` : d.appPort ? ` on ${d.appPort}` : '';
  return { sentence: `Flashed and verified by ${check.by}: ${wrote}; ${check.proof}${back}.`, confirmed: true, facts };
}

/** The result as text for a bug report: the sentence, then one "Label: value" line per fact. */
export function flashResultText(view: FlashResultView): string {
  return [view.sentence, ...view.facts.map((fact) => `${fact.label}: ${fact.value}`)].join('\n');
}
