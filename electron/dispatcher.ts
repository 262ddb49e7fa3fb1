/**
 * Turns the contract into something callable: validates every request's arguments (and, to catch
 * our own bugs, its result) against the contract's schemas, runs the handler, and answers with a
 * Reply. Nothing a caller sends can throw past this point. Used by both main.ts and serve.ts.
 */
import { z } from 'zod';
import { events, isEventName, isRequestName, requests, type EventName, type EventPayload, type Reply, type RequestName, type RequestResult, type Requests } from './contract';
import { toErrorInfo } from '../drivers/common/errors';

export type Handlers = {
  [N in RequestName]: (args: z.output<Requests[N]['args']>) => Promise<RequestResult<N>> | RequestResult<N>;
};

export type Dispatch = (name: unknown, args: unknown) => Promise<Reply<unknown>>;

export function createDispatcher(handlers: Handlers): Dispatch {
  return async (name, args) => {
    if (!isRequestName(name)) {
      return {
        ok: false,
        error: {
          code: 'UNKNOWN_REQUEST',
          stage: 'ipc',
          message:
            typeof name === 'string'
              ? `Flashdeck has no request named "${name.slice(0, 80)}".`
              : `A request's name must be text, not ${name === null ? 'null' : `a ${typeof name}`}.`,
          hint: 'The app and its window are from different versions; restart Flashdeck.',
        },
      };
    }
    const spec = requests[name];
    const parsed = spec.args.safeParse(args ?? {});
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'INVALID_PAYLOAD', stage: 'ipc', message: `Invalid arguments for ${name}: ${z.prettifyError(parsed.error)}`, hint: 'Check the values you entered.' },
      };
    }
    try {
      const handler = handlers[name] as (a: unknown) => Promise<unknown> | unknown;
      const value = await handler(parsed.data);
      const checked = spec.result.safeParse(value);
      if (!checked.success) {
        return {
          ok: false,
          error: {
            code: 'INVALID_RESULT',
            stage: 'ipc',
            message: `Flashdeck produced an invalid result for ${name}: ${z.prettifyError(checked.error)}`,
            hint: 'This is a Flashdeck bug; please report it.',
          },
        };
      }
      return { ok: true, value: checked.data };
    } catch (error) {
      return { ok: false, error: toErrorInfo(error, 'ipc') };
    }
  };
}

export type EventListener = (name: EventName, payload: unknown) => void;

/** Services emit here; the adapters (IPC, WebSocket) subscribe and forward. Payloads are checked. */
export class EventHub {
  private readonly listeners = new Set<EventListener>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    if (!isEventName(name)) throw new Error(`Unknown event ${String(name)}`);
    const checked = events[name].safeParse(payload);
    if (!checked.success) throw new Error(`Invalid ${name} payload: ${z.prettifyError(checked.error)}`);
    for (const listener of this.listeners) {
      try {
        listener(name, checked.data);
      } catch (error) {
        // One failing subscriber (a window that went away mid-send) must not stop the others, nor
        // throw into the service that emitted. It still surfaces: as an uncaught error, which the
        // app logs and a test run fails on.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
