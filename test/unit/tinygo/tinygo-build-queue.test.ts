import { describe, expect, it } from 'vitest';
import { BuildQueue, type QueueSnapshotEntry } from '../../../electron/services/toolchain/build-queue';

/** A job that waits until released (or aborted) and records when it ran. */
function controllableJob(log: string[], name: string) {
  let release!: (value: string) => void;
  const job = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      log.push(`start ${name}`);
      release = (value) => {
        log.push(`end ${name}`);
        resolve(value);
      };
      signal.addEventListener('abort', () => {
        log.push(`abort ${name}`);
        reject(Object.assign(new Error('Cancelled by the user.'), { code: 'CANCELLED' }));
      });
    });
  return { job, release: (value = name) => release(value) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('BuildQueue', () => {
  it('runs one job per board at a time, in order, and other boards in parallel', async () => {
    const log: string[] = [];
    const queue = new BuildQueue();
    const a1 = controllableJob(log, 'a1');
    const a2 = controllableJob(log, 'a2');
    const a3 = controllableJob(log, 'a3');
    const b1 = controllableJob(log, 'b1');
    const q1 = queue.enqueue('A', a1.job, { label: 'blink' });
    const q2 = queue.enqueue('A', a2.job);
    const q3 = queue.enqueue('A', a3.job);
    const qb = queue.enqueue('B', b1.job);
    expect(log).toEqual(['start a1', 'start b1']);
    expect([q1.state, q2.state, q3.state, qb.state]).toEqual(['running', 'queued', 'queued', 'running']);
    expect(queue.snapshot('A').map((e) => e.position)).toEqual([0, 1, 2]);
    expect(queue.snapshot('A')[0].label).toBe('blink');

    a1.release();
    await expect(q1.promise).resolves.toBe('a1');
    await tick();
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    a2.release();
    await q2.promise;
    await tick();
    a3.release();
    b1.release();
    await Promise.all([q3.promise, qb.promise]);
    expect(log.filter((l) => / a\d/.test(l))).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    expect(queue.snapshot()).toEqual([]);
    expect(q3.state).toBe('done');
  });

  it('cancels a queued job without ever starting it; the rest keep their order', async () => {
    const log: string[] = [];
    const queue = new BuildQueue();
    const a1 = controllableJob(log, 'a1');
    const a2 = controllableJob(log, 'a2');
    const a3 = controllableJob(log, 'a3');
    const q1 = queue.enqueue('A', a1.job);
    const q2 = queue.enqueue('A', a2.job);
    const q3 = queue.enqueue('A', a3.job);
    expect(q2.cancel()).toBe(true);
    await expect(q2.promise).rejects.toMatchObject({ code: 'CANCELLED', stage: 'queued' });
    expect(q2.state).toBe('cancelled');
    expect(queue.snapshot('A').map((e) => [e.id, e.position])).toEqual([
      [q1.id, 0],
      [q3.id, 1],
    ]);
    a1.release();
    await q1.promise;
    await tick();
    a3.release();
    await q3.promise;
    expect(log).toEqual(['start a1', 'end a1', 'start a3', 'end a3']);
    expect(q2.cancel()).toBe(false);
  });

  it('cancels a running job through its signal and moves on', async () => {
    const log: string[] = [];
    const queue = new BuildQueue();
    const a1 = controllableJob(log, 'a1');
    const a2 = controllableJob(log, 'a2');
    const q1 = queue.enqueue('A', a1.job);
    const q2 = queue.enqueue('A', a2.job);
    expect(queue.cancel(q1.id)).toBe(true);
    await expect(q1.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(q1.state).toBe('cancelled');
    await tick();
    expect(log).toEqual(['start a1', 'abort a1', 'start a2']);
    a2.release();
    await q2.promise;
  });

  it('honours an outside AbortSignal and cancelAll', async () => {
    const log: string[] = [];
    const queue = new BuildQueue();
    const outside = new AbortController();
    const a1 = controllableJob(log, 'a1');
    const q1 = queue.enqueue('A', a1.job);
    const q2 = queue.enqueue('A', controllableJob(log, 'a2').job, { signal: outside.signal });
    outside.abort();
    await expect(q2.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    const q3 = queue.enqueue('A', controllableJob(log, 'a3').job);
    const qb = queue.enqueue('B', controllableJob(log, 'b1').job);
    queue.cancelAll('A');
    await expect(q1.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(q3.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(qb.state).toBe('running');
    queue.cancelAll();
    await expect(qb.promise).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(log).not.toContain('start a2');
    expect(log).not.toContain('start a3');
  });

  it('a job that throws synchronously fails only itself', async () => {
    const queue = new BuildQueue();
    const bad = queue.enqueue('A', () => {
      throw new Error('boom');
    });
    const good = queue.enqueue('A', async () => 'fine');
    await expect(bad.promise).rejects.toThrow('boom');
    await expect(good.promise).resolves.toBe('fine');
    expect(bad.state).toBe('failed');
  });

  it('reports every change to listeners', async () => {
    const queue = new BuildQueue();
    const snapshots: QueueSnapshotEntry[][] = [];
    const off = queue.onChange((s) => snapshots.push(s));
    const log: string[] = [];
    const a1 = controllableJob(log, 'a1');
    const q1 = queue.enqueue('A', a1.job);
    queue.enqueue('A', async () => 'x');
    a1.release();
    await q1.promise;
    await tick();
    await tick();
    off();
    expect(snapshots[0]).toEqual([{ id: q1.id, boardId: 'A', label: q1.id, state: 'running', position: 0 }]);
    expect(snapshots.some((s) => s.length === 2 && s[1].state === 'queued' && s[1].position === 1)).toBe(true);
    expect(snapshots.at(-1)).toEqual([]);
  });
});
