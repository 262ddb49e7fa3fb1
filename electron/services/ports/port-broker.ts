/**
 * One machine, one owner per port. The app (window or serve mode) answers other Flashdeck processes
 * — the `flashdeck` command line — on a local socket in its data folder: a client borrows a port by
 * path, the app's console on it pauses exactly as for the app's own flash ('paused-for-flash',
 * "Flashing app.bin (flashdeck, pid 4242)"), and resumes when the client returns it or goes away,
 * so a crashed command never leaves the console paused. Newline-delimited JSON, checked with zod.
 */
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { z } from 'zod';
import { FlashdeckError, toErrorInfo, type ErrorInfo } from '../../../drivers/common/errors';
import { isErrorCode } from '../../../drivers/common/error-codes';
import type { PortLease } from './port-lease';
import { stageSchema } from '../../contract';

/** Longest message either side accepts: a path, a reason and an error are short. */
const MAX_LINE = 8 * 1024;

const clientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('borrow'), path: z.string().min(1).max(1024), reason: z.string().max(300), program: z.string().max(60), pid: z.number().int() }).strict(),
  z.object({ type: z.literal('return') }).strict(),
]);
const serverMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('lent') }).strict(),
  z.object({ type: z.literal('not-held') }).strict(),
  z.object({ type: z.literal('returned') }).strict(),
  z.object({ type: z.literal('refused'), error: z.object({ code: z.string(), stage: stageSchema, message: z.string(), hint: z.string().optional() }) }).strict(),
]);
type ServerMessage = z.infer<typeof serverMessage>;

/** Where the app of this data folder listens: a socket file in it, or a named pipe on Windows. */
export function brokerAddress(dataDir: string, platform = process.platform): string {
  if (platform === 'win32') return `\\\\.\\pipe\\flashdeck-${createHash('sha256').update(dataDir).digest('hex').slice(0, 16)}`;
  return join(dataDir, 'ports.sock');
}

export interface PortBrokerOptions {
  address: string;
  /** Pauses the app's console on `path` for a borrower; null when the app has no console open there. */
  lease(path: string, reason: string): Promise<PortLease | null>;
  log: (line: string) => void;
}

/** Serves borrowers until close(); when another app already serves this data folder, does nothing. */
export async function startPortBroker(options: PortBrokerOptions): Promise<{ close(): Promise<void> }> {
  const { address, log } = options;
  if (!address.startsWith('\\\\') && existsSync(address)) {
    if (await answers(address)) {
      log(`Another Flashdeck already serves ${address}; this one will not lend its ports to the command line.`);
      return { close: async () => {} };
    }
    unlinkSync(address); // left by an app that did not stop cleanly
  }
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    serveBorrower(socket, options).finally(() => sockets.delete(socket));
  });
  server.on('error', (error) => log(`The port broker at ${address} failed: ${error.message}`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address, () => {
      server.off('error', reject);
      resolve();
    });
  });
  if (!address.startsWith('\\\\')) chmodSync(address, 0o600);
  return {
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answers(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createConnection(address);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}

/** One borrower's connection: at most one port, given back on "return" or when the socket ends. */
async function serveBorrower(socket: Socket, options: PortBrokerOptions): Promise<void> {
  let lease: PortLease | null = null;
  let settled = false;
  const send = (message: ServerMessage) => socket.writable && socket.write(JSON.stringify(message) + '\n');
  const giveBack = async () => {
    const held = lease;
    lease = null;
    await held?.release().catch((error: unknown) => options.log(`Resuming a console after the command line's flash failed: ${toErrorInfo(error).message}`));
  };
  await new Promise<void>((done) => {
    socket.on('error', () => undefined);
    socket.on('close', () => void giveBack().finally(done));
    readLines(socket, async (line) => {
      const parsed = parseJson(line, clientMessage);
      if (!parsed) return void socket.destroy();
      if (parsed.type === 'borrow') {
        if (settled) return void socket.destroy();
        settled = true;
        try {
          lease = await options.lease(parsed.path, `${parsed.reason} (${parsed.program}, pid ${parsed.pid})`);
          send(lease ? { type: 'lent' } : { type: 'not-held' });
        } catch (error) {
          send({ type: 'refused', error: toErrorInfo(error, 'lease') });
        }
      } else {
        await giveBack();
        send({ type: 'returned' });
        socket.end();
      }
    });
  });
}

function readLines(socket: Socket, onLine: (line: string) => Promise<void> | void): void {
  let buffered = '';
  let chain = Promise.resolve();
  socket.setEncoding('utf8');
  socket.on('data', (text: string) => {
    buffered += text;
    if (buffered.length > MAX_LINE && !buffered.includes('\n')) return void socket.destroy();
    let newline: number;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      chain = chain.then(() => onLine(line)).catch(() => void socket.destroy());
    }
  });
}

function parseJson<T>(line: string, schema: z.ZodType<T>): T | null {
  try {
    const checked = schema.safeParse(JSON.parse(line));
    return checked.success ? checked.data : null;
  } catch {
    return null;
  }
}

export interface BorrowedPort {
  /** Gives the port back; the app's console reopens it. */
  release(): Promise<void>;
}

/**
 * Asks the app of this data folder to pause its console on `path`. Null when no app runs there or
 * its console is not on that port (nothing to pause); an app that refuses is an error to show.
 */
export async function borrowFromApp(address: string, request: { path: string; reason: string; program: string }, timeoutMs = 5000): Promise<BorrowedPort | null> {
  if (!address.startsWith('\\\\') && !existsSync(address)) return null;
  const socket = createConnection(address);
  const replies: ServerMessage[] = [];
  const waiting: ((message: ServerMessage | null) => void)[] = [];
  const deliver = (message: ServerMessage | null) => {
    const next = waiting.shift();
    if (next) next(message);
    else if (message) replies.push(message);
  };
  const reply = () =>
    new Promise<ServerMessage | null>((resolve) => {
      const queued = replies.shift();
      if (queued) return resolve(queued);
      const timer = setTimeout(() => resolve(null), timeoutMs);
      waiting.push((message) => {
        clearTimeout(timer);
        resolve(message);
      });
    });
  socket.on('error', () => deliver(null));
  socket.on('close', () => deliver(null));
  readLines(socket, (line) => deliver(parseJson(line, serverMessage)));
  const connected = await new Promise<boolean>((resolve) => {
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(false));
  });
  if (!connected) return null; // a socket file left by an app that is gone
  socket.write(JSON.stringify({ type: 'borrow', ...request, pid: process.pid }) + '\n');
  const answer = await reply();
  if (answer?.type === 'refused') {
    socket.destroy();
    const { code, ...rest } = answer.error;
    throw new FlashdeckError({ ...rest, code: isErrorCode(code) ? code : 'PORT_BUSY' } satisfies ErrorInfo);
  }
  if (answer?.type !== 'lent') {
    socket.destroy();
    return null;
  }
  return {
    async release() {
      if (socket.destroyed) return;
      socket.write(JSON.stringify({ type: 'return' }) + '\n');
      await reply();
      socket.destroy();
    },
  };
}
