/** A dropped file that cannot be read says why in words; the errno code waits behind Details. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    readFile: vi.fn(async (path: string) => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    }),
  };
});

const { loadFileRef } = await import('../../electron/services/flash/file-input');

describe('loading a dropped file', () => {
  it('names the reason in words, not the errno code, and keeps the code in Details', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flashdeck-file-input-')), 'blink.bin');
    writeFileSync(file, new Uint8Array(16));
    const error = await loadFileRef({ path: file }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'FILE_UNREADABLE', message: `Cannot read ${file}: permission denied.` });
    expect((error as { details?: string[] }).details).toEqual([`EACCES: permission denied, open '${file}'`]);
  });
});
