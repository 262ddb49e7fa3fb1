/**
 * Child process of the durability test: opens the store and records builds (60 package rows each)
 * as fast as it can, printing each build's id once `record` has returned. The test kills it with
 * SIGKILL at a random moment; every id printed must be in the database afterwards.
 */
import { openDatabase } from '../../../electron/services/store/database';
import { SizeHistory } from '../../../electron/services/store/size-history';

const [file, seedText] = process.argv.slice(2);
const history = new SizeHistory(openDatabase(file));
let seed = Number(seedText) || 1;
const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
const packages = Array.from({ length: 60 }, (_, i) => ({ name: `pkg/${String(i).padStart(2, '0')}`, kind: 'go' as const, code: 0, rodata: 0, data: 0, bss: 0, flash: 0, ram: 0 }));

for (let n = 0; ; n++) {
  const rows = packages.map((p) => ({ ...p, code: next() % 5000, rodata: next() % 900, data: next() % 64, bss: next() % 512 }));
  const sum = (k: 'code' | 'rodata' | 'data' | 'bss') => rows.reduce((s, p) => s + p[k], 0);
  const id = history.record({
    boardId: 'durability',
    target: 'feather-nrf52840',
    program: `prog-${n % 3}`,
    startedAt: Date.now(),
    durationMs: 1,
    ok: true,
    tinygoVersion: '0.33.0',
    flags: { opt: 'z' },
    sizes: {
      format: 'full',
      code: sum('code'),
      rodata: sum('rodata'),
      data: sum('data'),
      bss: sum('bss'),
      flash: sum('code') + sum('rodata') + sum('data'),
      ram: sum('data') + sum('bss'),
      packages: rows.map((p) => ({ ...p, flash: p.code + p.rodata + p.data, ram: p.data + p.bss })),
    },
    artifactSha256: null,
    overflowRegion: null,
    overflowBytes: null,
    error: null,
  });
  process.stdout.write(`${id}\n`);
}
