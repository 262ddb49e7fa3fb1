/**
 * The renderer's only way out. Picks the transport (the Electron preload's `window.flashdeck`, or
 * the WebSocket served by `npm run serve`) and gives typed requests and events from the contract.
 */
import type { ErrorInfoDto, EventName, EventPayload, FlashdeckTransport, Reply, RequestArgs, RequestName, RequestResult } from '../electron/contract';

declare global {
  interface Window {
    flashdeck?: FlashdeckTransport;
  }
}

export class ApiError extends Error {
  constructor(readonly info: ErrorInfoDto) {
    super(info.message);
  }
}

/**
 * open: talking to Flashdeck; connecting: first contact; closed: the connection dropped and is being
 * re-made; stopped: nothing answers at this address (Flashdeck is not running); refused: Flashdeck
 * answers but will not take this page (its address has another key).
 */
export type ConnectionState = 'connecting' | 'open' | 'closed' | 'stopped' | 'refused';

/** Whether anything answers HTTP at this page's address (the WebSocket cannot say why it failed). */
async function serverAnswers(): Promise<boolean> {
  try {
    await fetch(`${location.origin}/`, { method: 'HEAD', cache: 'no-store' });
    return true;
  } catch {
    return false;
  }
}

type Pending = { resolve: (reply: Reply<unknown>) => void };

/** WebSocket transport for browser mode; reconnects with backoff and fails pending requests on loss. */
function webSocketTransport(onState: (state: ConnectionState) => void): FlashdeckTransport {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, Pending>();
  const listeners = new Set<(event: string, payload: unknown) => void>();
  const queue: string[] = [];
  let socket: WebSocket | null = null;
  let nextId = 1;
  let retryMs = 250;
  let everOpened = false;

  const connect = () => {
    if (!everOpened) onState('connecting');
    const ws = new WebSocket(url);
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      everOpened = true;
      opened = true;
      retryMs = 250;
      onState('open');
      for (const message of queue.splice(0)) ws.send(message);
    };
    ws.onmessage = (message) => {
      const data = JSON.parse(message.data as string);
      if (data.type === 'event') for (const listener of listeners) listener(data.name, data.payload);
      else if (data.type === 'reply' && typeof data.id === 'number') {
        pending.get(data.id)?.resolve(data.reply);
        pending.delete(data.id);
      }
    };
    ws.onclose = () => {
      socket = null;
      for (const [id, entry] of pending) {
        entry.resolve({ ok: false, error: { code: 'DISCONNECTED', stage: 'ipc', message: 'Lost the connection to Flashdeck.', hint: 'Is `npm run serve` still running?' } });
        pending.delete(id);
      }
      const delay = retryMs;
      retryMs = Math.min(retryMs * 2, 5000);
      if (opened) onState('closed');
      void serverAnswers().then((answers) => {
        if (!opened) onState(answers ? 'refused' : 'stopped');
        setTimeout(connect, delay);
      });
    };
  };
  connect();

  return {
    request(name, args) {
      return new Promise((resolve) => {
        const id = nextId++;
        pending.set(id, { resolve });
        const message = JSON.stringify({ type: 'request', id, name, args });
        if (socket?.readyState === WebSocket.OPEN) socket.send(message);
        else queue.push(message);
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

let connectionListener: (state: ConnectionState) => void = () => {};
export function onConnectionState(listener: (state: ConnectionState) => void): void {
  connectionListener = listener;
}

const transport: FlashdeckTransport = window.flashdeck ?? webSocketTransport((state) => connectionListener(state));
export const runsInElectron = Boolean(window.flashdeck);

export async function request<N extends RequestName>(name: N, args: RequestArgs<N>): Promise<RequestResult<N>> {
  const reply = (await transport.request(name, args)) as Reply<RequestResult<N>>;
  if (!reply.ok) throw new ApiError(reply.error);
  return reply.value;
}

export function on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
  return transport.subscribe((event, payload) => {
    if (event === name) listener(payload as EventPayload<E>);
  });
}

/** A dropped file's real path (Electron only); null in the browser, where the bytes are uploaded instead. */
export function pathForFile(file: File): string | null {
  return transport.pathForFile?.(file) ?? null;
}

/** Human text of any error, with its next step. */
export function describeError(error: unknown): { message: string; hint?: string; code?: string; details?: string[] } {
  if (error instanceof ApiError) return { message: error.info.message, hint: error.info.hint, code: error.info.code, details: error.info.details };
  return { message: error instanceof Error ? error.message : String(error) };
}
