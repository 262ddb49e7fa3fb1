/**
 * A text file offered for flashing (notes.txt, a README, a config): refused unless the user
 * insists it is raw data, because writing it would put its characters into flash. Intel HEX is text
 * by design and is recognised by content before this is asked.
 */
import type { ImageProblem } from '../../contract';

const TEXT_EXTENSIONS = new Set(['txt', 'md', 'markdown', 'json', 'csv', 'log', 'yaml', 'yml', 'ini', 'cfg', 'conf', 'toml', 'xml', 'html', 'htm', 'go', 'c', 'h', 'py', 'sh']);
/** Bytes looked at to tell text from binary. */
const SAMPLE = 4096;

/** Printable ASCII, tab, CR, LF and UTF-8 continuation/lead bytes, with no NUL: what text files are made of. */
function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, SAMPLE);
  if (sample.length === 0) return false;
  let printable = 0;
  for (const byte of sample) {
    if (byte === 0) return false;
    if (byte === 9 || byte === 10 || byte === 13 || (byte >= 32 && byte < 127) || byte >= 0xc2) printable++;
  }
  return printable / sample.length >= 0.95;
}

/** The problem to show for a text file, or null for anything that may be an image. */
export function textFileProblem(fileName: string, bytes: Uint8Array): ImageProblem | null {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const byName = TEXT_EXTENSIONS.has(extension);
  if (!byName && !looksLikeText(bytes)) return null;
  return {
    code: 'TEXT_FILE',
    severity: 'error',
    message: `${fileName} is ${byName ? `a .${extension} file` : 'text'}, not a firmware image: flashing it would write its characters into the board's flash. Pick the .bin, .hex, .uf2 or .zip your build produced, or tick "Flash it as raw data" if it really is data for the board.`,
  };
}
