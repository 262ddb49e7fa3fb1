/**
 * What a request for the window's files may ask for, for both adapters (serve.ts over HTTP and
 * main.ts's app:// protocol): a path, decoded, inside the renderer folder. Nothing a client sends
 * makes these throw; what cannot be answered gets a status and a sentence.
 */
import { normalize, resolve, sep } from 'node:path';

/** The longest request target answered; browsers and our own pages stay far below it. */
export const MAX_TARGET_LENGTH = 2048;

export type Refusal = { ok: false; status: 400 | 403 | 414; reason: string };
export type RequestTarget = { ok: true; pathname: string; search: URLSearchParams } | Refusal;

/** A request target (`/path?query`) decoded, or why it cannot be one. */
export function parseRequestTarget(raw: string | undefined): RequestTarget {
  const text = raw ?? '/';
  if (text.length > MAX_TARGET_LENGTH) return { ok: false, status: 414, reason: `The address is longer than ${MAX_TARGET_LENGTH} characters.` };
  if (!text.startsWith('/') || text.startsWith('//')) return { ok: false, status: 400, reason: 'The address must be a path on this server.' };
  let url: URL;
  try {
    url = new URL(text, 'http://localhost');
  } catch {
    return { ok: false, status: 400, reason: 'The address is not a valid URL.' };
  }
  let pathname: string;
  try {
    pathname = decodeURIComponent(url.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'The address has invalid percent-encoding.' };
  }
  if (pathname.includes('\0')) return { ok: false, status: 400, reason: 'The address contains a NUL byte.' };
  return { ok: true, pathname, search: url.searchParams };
}

/** The renderer file a request target names (`/` is index.html), never one outside `rendererDir`. */
export function rendererFileFor(rendererDir: string, raw: string | undefined): { ok: true; file: string; relative: string } | Refusal {
  const target = parseRequestTarget(raw);
  if (!target.ok) return target;
  const relative = normalize(target.pathname === '/' ? '/index.html' : target.pathname).replace(/^([/\\])+/, '');
  const root = resolve(rendererDir);
  const file = resolve(root, relative);
  if (!file.startsWith(root + sep)) return { ok: false, status: 403, reason: 'That file is not part of Flashdeck’s window.' };
  return { ok: true, file, relative };
}
