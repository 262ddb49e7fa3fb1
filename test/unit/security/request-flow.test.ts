import { describe, expect, it } from 'vitest';
import { RequestFlow, type FlowSocket } from '../../../electron/request-flow';

/** A socket whose unread bytes the test sets, recording pause/resume/terminate. */
function fakeSocket() {
  const socket = {
    bufferedAmount: 0,
    isPaused: false,
    terminated: false,
    pause() {
      this.isPaused = true;
    },
    resume() {
      this.isPaused = false;
    },
    terminate() {
      this.terminated = true;
    },
  };
  return socket satisfies FlowSocket;
}

const limits = { maxInFlight: 2, maxQueued: 3, pauseBufferedBytes: 1000, maxUnreadBytes: 5000 };

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('RequestFlow (one serve-mode window)', () => {
  it('runs at most maxInFlight at once, queues the rest with reading paused, refuses past maxQueued, resumes when answered', async () => {
    const socket = fakeSocket();
    const flow = new RequestFlow(socket, limits);
    const jobs = Array.from({ length: 6 }, deferred);
    const started: number[] = [];
    const admitted = jobs.map((job, i) =>
      flow.admit(() => {
        started.push(i);
        return job.promise;
      }),
    );
    expect(admitted).toEqual([true, true, true, true, true, false]);
    expect(started).toEqual([0, 1]);
    expect(flow.state()).toMatchObject({ inFlight: 2, queued: 3, paused: true });
    jobs[0].resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2]);
    for (const job of jobs) job.resolve();
    await new Promise((r) => setTimeout(r, 0));
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(flow.state()).toEqual({ inFlight: 0, queued: 0, bufferedBytes: 0, paused: false });
  });

  it('starts nothing and stops reading while the window has not read what it was sent; disconnects it past maxUnreadBytes', async () => {
    const socket = fakeSocket();
    const logged: string[] = [];
    const flow = new RequestFlow(socket, limits, (line) => logged.push(line));
    socket.bufferedAmount = 1500;
    let ran = 0;
    flow.admit(async () => void ran++);
    expect(ran).toBe(0);
    expect(socket.isPaused).toBe(true);
    socket.bufferedAmount = 200;
    flow.update();
    expect(ran).toBe(1);
    await new Promise((r) => setTimeout(r, 0));
    expect(socket.isPaused).toBe(false);
    socket.bufferedAmount = 6000;
    flow.update();
    expect(socket.terminated).toBe(true);
    expect(logged[0]).toMatch(/left 0.0 MiB unread; disconnecting it/);
    expect(flow.admit(async () => void ran++)).toBe(false);
  });
});
