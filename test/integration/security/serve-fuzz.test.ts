/**
 * The contract fuzz again, through serve mode's WebSocket as a browser window speaks it: JSON
 * payloads shaped by every request schema and raw garbage frames each get a typed reply; an
 * oversized frame closes only its own connection; a window that floods requests without reading the
 * answers is held to bounded work and buffers while another window keeps getting its answers, and
 * every flooded request is still answered once it reads again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../../electron/serve';
import { requests, type RequestName } from '../../../electron/contract';
import { SERVE_FLOW_LIMITS } from '../../../electron/request-flow';
import { hostileStrings, judgeReply, payloads, type FuzzPools } from './contract-fuzz';

const RUNS = Number(process.env.FUZZ_RUNS_WS ?? 100);

let server: RunningServer;
let dataDir: string;
let pools: FuzzPools;
const logged: string[] = [];
const escaped: unknown[] = [];
const onRejection = (reason: unknown) => escaped.push(reason);

interface Client {
  ws: WebSocket;
  request(name: unknown, args: unknown): Promise<any>;
  raw(text: string | Buffer): Promise<any>;
}

async function connect(): Promise<Client> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`, { headers: { Origin: `http://127.0.0.1:${server.port}` }, maxPayload: 0 });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.on('error', () => {});
  let nextId = 1;
  const waiting = new Map<number | null, (reply: unknown) => void>();
  ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.type !== 'reply') return;
    const resolve = waiting.get(message.id);
    waiting.delete(message.id);
    resolve?.(message.reply);
  });
  const expectReply = (id: number | null) => new Promise<any>((resolve) => waiting.set(id, resolve));
  return {
    ws,
    request(name, args) {
      const id = nextId++;
      const reply = expectReply(id);
      ws.send(JSON.stringify({ type: 'request', id, name, args }));
      return reply;
    },
    raw(text) {
      const reply = expectReply(null);
      ws.send(text);
      return reply;
    },
  };
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-ws-fuzz-'));
  server = await startServer({
    port: 0,
    dataDir,
    log: (line) => logged.push(line),
    lister: async () => [{ path: '/dev/ttyFUZZ0', vendorId: '239a', productId: '8029', serialNumber: 'FUZZ0001' }],
  });
  const client = await connect();
  const boards = await client.request('boards.list', {});
  client.ws.close();
  const boardIds = (boards.value as { id: string }[]).map((board) => board.id);
  pools = { strings: hostileStrings(join(dataDir, 'canary'), boardIds), likely: [...boardIds, 'blink', 'feather-nrf52840'], ids: [1, 2, 3] };
}, 60_000);

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('contract fuzzing through serve mode', () => {
  it('every request, with shaped and garbage JSON payloads, gets a typed reply over the WebSocket', async () => {
    const client = await connect();
    for (const name of Object.keys(requests) as RequestName[]) {
      await fc.assert(
        fc.asyncProperty(payloads(requests[name].args, pools), async (args) => {
          const verdict = judgeReply(await client.request(name, args));
          if (verdict) throw new Error(`${name}: ${verdict}`);
        }),
        { numRuns: RUNS },
      );
    }
    client.ws.close();
  }, 300_000);

  it('frames that are not requests get INVALID_PAYLOAD and the connection stays usable', async () => {
    const client = await connect();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.json().filter((text) => {
            const value = JSON.parse(text);
            return !(typeof value === 'object' && value !== null && value.type === 'request' && typeof value.id === 'number');
          }),
          fc.constantFrom('null', '[]', '{"type":"request"}', '{"type":"request","id":"1"}', '{"__proto__":{"type":"request","id":1}}', '1e999', '"\\u0000"'),
        ),
        async (text) => {
          const reply = await client.raw(text);
          expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', stage: 'ipc' } });
        },
      ),
      { numRuns: RUNS * 5 },
    );
    expect(await client.request('app.info', {})).toMatchObject({ ok: true });
    client.ws.close();
  }, 120_000);

  it('an oversized frame closes only its own connection (1009) before its body is read', async () => {
    const bad = await connect();
    const closed = new Promise<number>((resolve) => bad.ws.once('close', (code) => resolve(code)));
    // A masked text frame announcing 200 MiB (over the 96 MiB limit), of which only a few bytes come.
    const header = Buffer.alloc(14);
    header[0] = 0x81;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(200n * 1024n * 1024n, 2);
    header.set([1, 2, 3, 4], 10);
    (bad.ws as unknown as { _socket: { write(data: Buffer): void } })._socket.write(Buffer.concat([header, Buffer.from('{"typ')]));
    expect(await closed).toBe(1009);
    const good = await connect();
    expect(await good.request('app.info', {})).toMatchObject({ ok: true });
    good.ws.close();
  });

  it('a window flooding requests without reading is held to bounded work while another window is answered', async () => {
    const FLOOD = 20_000;
    const flooder = await connect();
    const socket = (flooder.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause(); // reads nothing: the server's answers pile up on its side
    const answers = Array.from({ length: FLOOD }, () => flooder.request('catalogue.list', {}));

    // Sample the server's per-connection state until it has stopped reading the flooder.
    const seen = { maxInFlight: 0, maxQueued: 0, maxBuffered: 0, paused: false };
    const sample = () => {
      for (const state of server.connections()) {
        seen.maxInFlight = Math.max(seen.maxInFlight, state.inFlight);
        seen.maxQueued = Math.max(seen.maxQueued, state.queued);
        seen.maxBuffered = Math.max(seen.maxBuffered, state.bufferedBytes);
        if (state.paused && state.bufferedBytes > SERVE_FLOW_LIMITS.pauseBufferedBytes) seen.paused = true;
      }
    };
    const sampler = setInterval(sample, 5);
    try {
      for (let i = 0; i < 2000 && !seen.paused; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen.paused).toBe(true);

      // The real window, meanwhile: its requests are answered.
      const window = await connect();
      expect(await window.request('app.info', {})).toMatchObject({ ok: true, value: { mode: 'serve' } });
      expect(await window.request('boards.list', {})).toMatchObject({ ok: true });
      window.ws.close();
      sample();
    } finally {
      clearInterval(sampler);
    }
    expect(seen.maxInFlight).toBeLessThanOrEqual(SERVE_FLOW_LIMITS.maxInFlight);
    expect(seen.maxQueued).toBeLessThanOrEqual(SERVE_FLOW_LIMITS.maxQueued);
    // What waits unread is bounded: the pause threshold plus the answers already in progress.
    const largestAnswer = JSON.stringify(await (await connect()).request('catalogue.list', {})).length + 100;
    expect(seen.maxBuffered).toBeLessThanOrEqual(SERVE_FLOW_LIMITS.pauseBufferedBytes + (SERVE_FLOW_LIMITS.maxInFlight + 1) * largestAnswer);

    // Reading again, the flooder gets an answer to every request: a value, or a typed refusal.
    socket.resume();
    const replies = await Promise.all(answers);
    const refused = replies.filter((reply) => !reply.ok);
    for (const reply of refused) expect(reply.error).toMatchObject({ code: 'TOO_MANY_REQUESTS', stage: 'ipc' });
    expect(replies.filter((reply) => reply.ok).length).toBeGreaterThan(FLOOD / 2);
    console.log(
      `flood: ${FLOOD} requests, ${refused.length} refused; at most ${seen.maxInFlight} in flight, ${seen.maxQueued} queued, ${(seen.maxBuffered / 1048576).toFixed(1)} MiB unread`,
    );
    flooder.ws.close();
  }, 180_000);

  it('nothing escaped and the server is still answering', async () => {
    expect(escaped).toEqual([]);
    const client = await connect();
    expect(await client.request('app.info', {})).toMatchObject({ ok: true });
    client.ws.close();
  });
});
