import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDatabase } from '../../../electron/services/store/database';
import { SizeHistory } from '../../../electron/services/store/size-history';

const CHILD = resolve(import.meta.dirname, 'insert-builds-child.ts');
const KILLS = 20;

/** Runs the child until it has reported `minIds` builds plus a random extra wait, then SIGKILLs it. Returns the ids it reported. */
function runAndKill(file: string, seed: number, extraMs: number): Promise<number[]> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, file, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const ids: number[] = [];
    let buffer = '';
    let stderr = '';
    let armed = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) if (line) ids.push(Number(line));
      // Kill at a random point after inserts are running (progress, not a fixed time from spawn).
      if (!armed && ids.length > 0) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended by itself (${code}): ${stderr}`));
      resolvePromise(ids);
    });
  });
}

describe('size history durability', () => {
  it(`a child recording builds is SIGKILLed at random points ${KILLS} times: the database stays intact and every build whose insert returned is there, whole`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flashdeck-durability-'));
    try {
      const file = join(dir, 'flashdeck.sqlite');
      const confirmed: number[] = [];
      let rng = 12345;
      for (let round = 0; round < KILLS; round++) {
        rng = (rng * 48271) % 2147483647;
        confirmed.push(...(await runAndKill(file, round + 1, rng % 120)));
        const db = openDatabase(file);
        try {
          expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
          const history = new SizeHistory(db);
          const present = new Set((db.prepare(`SELECT id FROM builds`).all() as { id: number }[]).map((r) => r.id));
          const missing = confirmed.filter((id) => !present.has(id));
          expect(missing).toEqual([]);
          // Whole builds only: every build has its 60 package rows and totals that match them.
          const partial = db.prepare(`SELECT b.id FROM builds b LEFT JOIN build_packages p ON p.build_id = b.id GROUP BY b.id HAVING count(p.package) <> 60`).all();
          expect(partial).toEqual([]);
          const last = history.get(confirmed[confirmed.length - 1])!;
          expect(history.packages(last.id).reduce((s, p) => s + p.code, 0)).toBe(last.code);
        } finally {
          db.close();
        }
      }
      expect(confirmed.length).toBeGreaterThan(KILLS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
