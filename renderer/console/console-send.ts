/** What the send box turns into bytes: line endings, "de ad be ef" hex input, base64 for the contract. */
import type { LineEnding } from '../../electron/contract';
import { encodeBase64 } from '../lib/bytes';

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

/** What one press of Send writes: text with the line ending (kept in the history), or hex bytes (not kept). */
export function composeSend(input: string, mode: 'text' | 'hex', ending: LineEnding): { bytes: Uint8Array; historyEntry?: string } {
  if (mode === 'hex') return { bytes: parseHexBytes(input) };
  const text = new TextEncoder().encode(input);
  const tail = lineEndingBytes(ending);
  const bytes = new Uint8Array(text.length + tail.length);
  bytes.set(text);
  bytes.set(tail, text.length);
  return { bytes, historyEntry: input };
}

/** The history after sending `entry`: it moves to the end, once. */
export function withHistoryEntry(history: readonly string[], entry: string): string[] {
  return [...history.filter((h) => h !== entry), entry];
}

/**
 * ArrowUp / ArrowDown in the send box, as a shell does: up walks back from the newest entry and
 * stops at the oldest; down walks forward and past the newest returns to an empty box (-1).
 */
export function stepHistory(history: readonly string[], index: number, key: 'ArrowUp' | 'ArrowDown'): { index: number; text: string } {
  let next: number;
  if (key === 'ArrowUp') next = index < 0 ? history.length - 1 : Math.max(0, index - 1);
  else next = index < 0 || index + 1 >= history.length ? -1 : index + 1;
  return { index: next, text: next < 0 ? '' : history[next] };
}

/** A file is sent in pieces of this size, each a request of its own, so no message is huge. */
export const FILE_CHUNK_BYTES = 256 * 1024;

/** Sends `data` in order, one FILE_CHUNK_BYTES piece at a time, each after the previous one was taken. */
export async function sendInChunks(data: Uint8Array, send: (base64: string) => Promise<unknown>, chunkBytes = FILE_CHUNK_BYTES): Promise<number> {
  let pieces = 0;
  for (let at = 0; at < data.length; at += chunkBytes) {
    await send(encodeBase64(data.subarray(at, at + chunkBytes)));
    pieces++;
  }
  return pieces;
}
