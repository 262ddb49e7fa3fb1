/**
 * Browser mode: the same main-process services as the Electron app, without Electron. Serves the
 * built renderer and the contract over a WebSocket on 127.0.0.1, guarded by a random token and a
 * loopback Origin check. `npm run serve -- --port 7878 --data-dir DIR`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDispatcher } from './dispatcher';
import { createInProcessBench } from '../simulators/bench/in-process-bench';
import { createAppServices, type AppServicesOptions } from './services/app-services';
import { CONTENT_SECURITY_POLICY, defaultDataDir } from './app-paths';
import { parseRequestTarget, rendererFileFor } from './request-target';
import { loadOrCreateToken } from './serve-token';
import { keepProcessAlive } from './last-resort';
import { RequestFlow, SERVE_FLOW_LIMITS, type FlowState } from './request-flow';

const here = fileURLToPath(new URL('.', import.meta.url));
const projectRoot = resolve(here, '..');

export interface ServeOptions {
  port: number;
  host?: string;
  dataDir: string;
  rendererDir?: string;
  token?: string;
  lister?: AppServicesOptions['lister'];
  nrf?: AppServicesOptions['nrf'];
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  /** Each open window's requests in progress and waiting, and what it has not read yet. */
  connections(): FlowState[];
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Only pages served by us may open the socket: loopback origins on our port. */
export function isAllowedOrigin(origin: string | undefined, port: number): boolean {
  if (!origin) return false;
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}` || origin === `http://[::1]:${port}`;
}

function tokensEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? loadOrCreateToken(options.dataDir);
  const rendererDir = options.rendererDir ?? join(projectRoot, 'dist', 'renderer');
  const log = options.log ?? ((line: string) => console.error(line));
  const version = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version as string;
  const services = await createAppServices({
    dataDir: options.dataDir,
    mode: 'serve',
    version,
    lister: options.lister,
    nrf: options.nrf,
    simulatedBench: createInProcessBench(),
    log,
    programsDir: join(projectRoot, 'resources', 'programs'),
  });
  const dispatch = createDispatcher(services.handlers);

  let port = options.port;
  const server: Server = createServer((req, res) => {
    serveStatic(req, res, rendererDir, () => port).catch((error: unknown) => {
      log(`Answering ${req.method} ${String(req.url).slice(0, 200)} failed: ${describe(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  });
  // The process outlives any request: a socket that fails after listen is logged, never thrown.
  server.on('error', (error) => log(`The HTTP server reported an error: ${describe(error)}`));
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  sockets.on('error', (error) => log(`The WebSocket server reported an error: ${describe(error)}`));

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string) => {
      log(`Refused a WebSocket connection: ${reason}`);
      socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const target = parseRequestTarget(req.url);
    if (!target.ok) return refuse(400, 'Bad Request');
    if (target.pathname !== '/api') return refuse(404, 'Not Found');
    if (!isAllowedOrigin(req.headers.origin, port)) return refuse(403, 'Forbidden origin');
    if (!tokensEqual(target.search.get('token') ?? '', token)) return refuse(401, 'Unauthorized');
    sockets.handleUpgrade(req, socket, head, (ws) => sockets.emit('connection', ws, req));
  });

  const flows = new Set<RequestFlow>();
  sockets.on('connection', (ws: WebSocket) => {
    const flow = new RequestFlow(ws, SERVE_FLOW_LIMITS, log);
    flows.add(flow);
    const send = (message: unknown) => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(JSON.stringify(message), (error) => {
        if (error) log(`Sending to a window failed: ${error.message}`);
        flow.update();
      });
      flow.update();
    };
    const invalid = (message: string) => send({ type: 'reply', id: null, reply: { ok: false, error: { code: 'INVALID_PAYLOAD', stage: 'ipc', message } } });
    const unsubscribe = services.hub.subscribe((name, payload) => send({ type: 'event', name, payload }));
    // An oversized or malformed frame closes this socket (1009/1002); it never reaches the process.
    ws.on('error', (error) => log(`A window's connection failed: ${error.message}`));
    ws.on('message', (data) => {
      let message: { type?: unknown; id?: unknown; name?: unknown; args?: unknown };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return invalid('The message was not valid JSON.');
      }
      if (typeof message !== 'object' || message === null || message.type !== 'request' || typeof message.id !== 'number') {
        return invalid('Expected {type: "request", id: number, name, args}.');
      }
      const { id, name, args } = message;
      const admitted = flow.admit(() => dispatch(name, args).then((reply) => send({ type: 'reply', id, reply })));
      if (!admitted) {
        send({
          type: 'reply',
          id,
          reply: {
            ok: false,
            error: {
              code: 'TOO_MANY_REQUESTS',
              stage: 'ipc',
              message: `More than ${SERVE_FLOW_LIMITS.maxQueued} requests from this window are waiting for an answer; this one was not run.`,
              hint: 'Wait for the answers before sending more; reload the window if it keeps happening.',
            },
          },
        });
      }
    });
    ws.on('close', () => {
      unsubscribe();
      flow.close();
      flows.delete(flow);
    });
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolvePromise());
  });
  const address = server.address();
  port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${host}:${port}/?token=${token}`;

  return {
    url,
    port,
    token,
    connections: () => [...flows].map((flow) => flow.state()),
    async close() {
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((done) => server.close(() => done()));
      await services.close();
    },
  };
}

/** The largest WebSocket message accepted (a dropped image travels as base64 in one request). */
const MAX_MESSAGE_BYTES = 96 * 1024 * 1024;

const describe = (error: unknown) => (error instanceof Error ? (error.stack ?? error.message) : String(error));

async function serveStatic(req: IncomingMessage, res: ServerResponse, rendererDir: string, port: () => number): Promise<void> {
  const host = req.headers.host ?? '';
  // DNS-rebinding guard: only answer requests addressed to loopback.
  if (!/^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(host) || !host.endsWith(`:${port()}`)) {
    res.writeHead(403).end('Forbidden host');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const target = rendererFileFor(rendererDir, req.url);
  if (!target.ok) {
    res.writeHead(target.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(target.reason);
    return;
  }
  const { file, relative } = target;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    res.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    if (relative === 'index.html') {
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('The renderer is not built. Run: npm run build:renderer');
      return;
    }
    res.writeHead(404).end('Not found');
  }
}

function parseArgs(argv: string[]): { port: number; host: string; dataDir: string; renewToken: boolean } {
  const value = (flag: string) => {
    const index = argv.indexOf(flag);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const port = Number(value('--port') ?? process.env.FLASHDECK_PORT ?? 7878);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0-65535, got ${value('--port')}`);
  const host = value('--host') ?? '127.0.0.1';
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    throw new Error('Flashdeck serves on loopback only. To reach a bench machine, forward the port: ssh -L 7878:127.0.0.1:7878 bench-pc');
  }
  return { port, host, dataDir: value('--data-dir') ?? defaultDataDir(), renewToken: argv.includes('--new-token') };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    keepProcessAlive((line) => console.error(line));
    const args = parseArgs(process.argv.slice(2));
    const running = await startServer({ ...args, token: loadOrCreateToken(args.dataDir, { renew: args.renewToken }) });
    console.log(`Flashdeck is serving on ${running.url}`);
    console.log('Open that address in a browser on this machine. Stop with Ctrl+C.');
    console.log('The address stays the same when you restart Flashdeck (--new-token makes a new one).');
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  } catch (error) {
    console.error(`Flashdeck could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
