/**
 * What a chosen file holds, as labelled sentences with units for the Flash tab's image summary:
 * how much of it is written where (a HEX or UF2 file is larger than the data it carries), and
 * the facts the bootloader checks. One place for these words.
 */
import type { ImageSummary } from '../../electron/contract';
import { formatBytes, formatHex } from '../lib/bytes';

export interface ImageFact {
  label: string;
  value: string;
}

export function imageFacts(summary: ImageSummary): ImageFact[] {
  const facts: ImageFact[] = [];
  if (summary.writes) {
    const { start, end, bytes } = summary.writes;
    const fileNote = bytes === summary.size ? '' : ` (the ${formatBytes(summary.size)} file also carries addresses and framing)`;
    facts.push({ label: 'Writes', value: `${formatBytes(bytes)} to ${formatHex(start)}–${formatHex(end)}${fileNote}` });
  }
  if (summary.softDevice) facts.push({ label: 'SoftDevice', value: summary.softDevice === 'none' ? 'None: the image runs without one' : summary.softDevice });
  if (summary.uf2Family) facts.push({ label: 'UF2 family', value: `${formatHex(summary.uf2Family.id)}${summary.uf2Family.chip ? ` (${summary.uf2Family.chip})` : ''}` });
  if (summary.espImage) {
    const image = summary.espImage;
    facts.push({ label: 'Entry point', value: formatHex(image.entry) });
    facts.push({ label: 'Segments', value: String(image.segments) });
    facts.push({ label: 'Header checksum', value: image.checksumOk ? 'Correct' : 'Wrong: the ROM will not boot it' });
    if (image.sha256Ok !== null) facts.push({ label: 'SHA-256 digest', value: image.sha256Ok ? 'Matches the image' : 'Does not match: the image changed after it was built' });
  }
  return facts;
}
