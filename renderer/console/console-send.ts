/** What the send box turns into bytes: line endings, "de ad be ef" hex input, base64 for the contract. */
import type { LineEnding } from '../../electron/contract';

export function lineEndingBytes(ending: LineEnding): Uint8Array {
  return new Uint8Array(ending === 'lf' ? [10] : ending === 'cr' ? [13] : ending === 'crlf' ? [13, 10] : []);
}

/** "de ad be ef", "DEADBEEF", "0x01,0x02" → bytes; throws a readable error for anything else. */
export function parseHexBytes(text: string): Uint8Array {
  const cleaned = text
    .replace(/0x/gi, ' ')
    .replace(/[\s,;:]+/g, ' ')
    .trim();
  if (!cleaned) throw new Error('Type some hex bytes, e.g. "de ad be ef".');
  const groups = cleaned.split(' ');
  const bytes: number[] = [];
  for (const group of groups) {
    if (!/^[0-9a-fA-F]+$/.test(group) || group.length % 2 !== 0) throw new Error(`"${group}" is not hex bytes (use pairs of 0-9, a-f).`);
    for (let i = 0; i < group.length; i += 2) bytes.push(parseInt(group.slice(i, i + 2), 16));
  }
  return new Uint8Array(bytes);
}

export function encodeBase64(bytes: Uint8Array): string {
  const withNative = bytes as Uint8Array & { toBase64?: () => string };
  if (typeof withNative.toBase64 === 'function') return withNative.toBase64();
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}
