import { describe, expect, it } from 'vitest';
import { createDispatcher, EventHub, type Handlers } from '../../electron/dispatcher';
import { FlashdeckError } from '../../drivers/common/errors';

function handlers(overrides: Partial<Handlers> = {}): Handlers {
  const board = {
    id: 'port:/dev/pts/1',
    name: null,
    path: '/dev/pts/1',
    present: true,
    manual: true,
    target: null,
    guess: { confidence: 'unknown' as const, mode: 'unknown' as const, targets: [], label: 'Unknown board' },
  };
  return new Proxy({} as Handlers, {
    get: (_target, name: string) => (overrides as Record<string, unknown>)[name] ?? (async () => (name === 'boards.list' ? [board] : board)),
  });
}

describe('dispatcher', () => {
  it('refuses invalid payloads with a typed error and never calls the handler', async () => {
    let called = false;
    const dispatch = createDispatcher(handlers({ 'boards.update': async () => ((called = true), undefined as never) }));
    const reply = await dispatch('boards.update', { boardId: 7, name: ['x'], extra: true });
    expect(reply).toMatchObject({ ok: false, error: { code: 'INVALID_PAYLOAD', stage: 'ipc' } });
    expect(called).toBe(false);
  });

  it('answers unknown requests and prototype keys as unknown', async () => {
    const dispatch = createDispatcher(handlers());
    await expect(dispatch('__proto__', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
    await expect(dispatch(42, {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_REQUEST' } });
  });

  it('carries a handler error across intact, and turns other throws into INTERNAL', async () => {
    const dispatch = createDispatcher(
      handlers({
        'boards.forget': async () => {
          throw new FlashdeckError({ code: 'BOARD_UNKNOWN', stage: 'boards', message: 'gone', hint: 'replug' });
        },
        'boards.list': async () => {
          throw new TypeError('boom');
        },
      }),
    );
    await expect(dispatch('boards.forget', { boardId: 'x' })).resolves.toEqual({ ok: false, error: { code: 'BOARD_UNKNOWN', stage: 'boards', message: 'gone', hint: 'replug' } });
    await expect(dispatch('boards.list', {})).resolves.toMatchObject({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
  });

  it('checks results too, so a service bug cannot send malformed data to the window', async () => {
    const dispatch = createDispatcher(handlers({ 'boards.list': async () => [{ id: 1 }] as never }));
    await expect(dispatch('boards.list', {})).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_RESULT' } });
  });

  it('refuses to emit an event whose payload breaks the contract', () => {
    const hub = new EventHub();
    expect(() => hub.emit('boards.changed', { boards: [{ nope: true }] } as never)).toThrow(/Invalid boards.changed payload/);
  });
});
