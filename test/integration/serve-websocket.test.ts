/**
 * Serve mode's WebSocket over its whole life: a frame the protocol forbids (RSV1 set without
 * compression, invalid UTF-8 in a text frame) closes that one connection with an error code; the
 * server emits no unhandled 'error', stays up and keeps answering the next window.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServer, type RunningServer } from '../../electron/serve';

let server: RunningServer | undefined;
let dataDir: string | undefined;
afterEach(async () => {
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function open(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${server!.port}/api?token=${server!.token}`, { headers: { Origin: `http://127.0.0.1:${server!.port}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

/** A single masked frame, written raw so the client library cannot refuse to send it. */
function rawFrame(firstByte: number, payload: Buffer): Buffer {
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([firstByte, 0x80 | payload.length]), mask, masked]);
}

describe('serve mode WebSocket', () => {
  it('closes a connection that breaks the protocol and answers the next one', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'flashdeck-ws-'));
    server = await startServer({ port: 0, dataDir, log: () => {}, lister: async () => [] });
    for (const frame of [rawFrame(0xc1, Buffer.from('{}')), rawFrame(0x81, Buffer.from([0xff, 0xfe, 0xfd]))]) {
      const bad = await open();
      const closed = new Promise<number>((resolve) => bad.once('close', (code) => resolve(code)));
      bad.on('error', () => {});
      (bad as unknown as { _socket: { write(data: Buffer): void } })._socket.write(frame);
      expect([1002, 1006, 1007]).toContain(await closed);
    }
    const good = await open();
    const reply = new Promise<any>((resolve) => good.on('message', (data) => resolve(JSON.parse(data.toString()))));
    good.send(JSON.stringify({ type: 'request', id: 1, name: 'boards.list', args: {} }));
    expect(await reply).toMatchObject({ type: 'reply', id: 1, reply: { ok: true } });
    good.close();
  });
});
