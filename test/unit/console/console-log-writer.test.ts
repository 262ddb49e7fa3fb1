import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConsoleLogWriter } from '../../../electron/services/console/console-log-writer';

describe('console log writer', () => {
  it('stops logging and says why, without throwing, when the folder stops taking files', () => {
    const parent = mkdtempSync(join(tmpdir(), 'flashdeck-logfail-'));
    try {
      const directory = join(parent, 'logs');
      const failures: Error[] = [];
      const writer = new ConsoleLogWriter({ directory, stem: 'board', maxFileBytes: 64, onFailure: (error) => failures.push(error) });
      writer.write(1_000, Buffer.from('first line\n'));
      const [file] = readdirSync(directory);
      expect(readFileSync(join(directory, file), 'utf8')).toBe('[1970-01-01T00:00:01.000Z] first line\n');
      // The folder is replaced by a file (an unmounted drive, a cleaned-up folder): the next rotation cannot open.
      rmSync(directory, { recursive: true });
      writeFileSync(directory, '');
      expect(() => writer.write(2_000, Buffer.from(`${'x'.repeat(100)}\n`))).not.toThrow();
      expect(() => writer.write(3_000, Buffer.from('after\n'))).not.toThrow();
      expect(() => writer.note(4_000, 'reset')).not.toThrow();
      expect(failures).toHaveLength(1);
      expect(failures[0].message).toMatch(/ENOTDIR|not a directory/);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
