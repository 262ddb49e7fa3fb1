/**
 * A main process in miniature for console tests: in-memory store, a board registry whose port
 * list the test controls (so a simulator can "unplug" and return on another path), the port
 * sessions service, and every event it emits.
 */
import { EventHub } from '../../../electron/dispatcher';
import type { EventName, EventPayload } from '../../../electron/contract';
import { openDatabase, type Db } from '../../../electron/services/store/database';
import { BoardStore } from '../../../electron/services/store/board-store';
import { BoardRegistry } from '../../../electron/services/ports/board-registry';
import { ConsoleSettingsStore } from '../../../electron/services/store/console-settings-store';
import { PortSessions, type PortSessionsOptions } from '../../../electron/services/ports/port-sessions';
import type { SerialPortInfo } from '../../../drivers/common/port-watch';

export interface ConsoleHarness {
  db: Db;
  hub: EventHub;
  registry: BoardRegistry;
  sessions: PortSessions;
  /** What the OS "lists" now; change it to plug and unplug. */
  ports: SerialPortInfo[];
  events: { name: EventName; payload: unknown }[];
  /** All console text received so far for a board (decoded from console.data batches). */
  text(boardId: string): string;
  waitForText(boardId: string, needle: string, timeoutMs?: number): Promise<void>;
  waitForState(boardId: string, state: string, timeoutMs?: number): Promise<EventPayload<'console.state'>>;
  of<E extends EventName>(name: E): EventPayload<E>[];
  close(): Promise<void>;
}

export async function createConsoleHarness(
  options: Partial<Pick<PortSessionsOptions, 'binding' | 'busyGraceMs' | 'releaseTimeoutMs' | 'pathExists'>> = {},
): Promise<ConsoleHarness> {
  const db = openDatabase(':memory:');
  const hub = new EventHub();
  const harness = { ports: [] as SerialPortInfo[] } as ConsoleHarness;
  const registry = new BoardRegistry({ lister: async () => harness.ports.map((port) => ({ ...port })), store: new BoardStore(db), pollMs: 50 });
  await registry.start();
  const sessions = new PortSessions({ hub, boards: registry, store: new ConsoleSettingsStore(db), defaultBaud: () => 115200, ...options });
  const events: { name: EventName; payload: unknown }[] = [];
  const texts = new Map<string, string>();
  hub.subscribe((name, payload) => {
    events.push({ name, payload });
    if (name === 'console.data') {
      const data = payload as EventPayload<'console.data'>;
      let text = texts.get(data.boardId) ?? '';
      for (const chunk of data.chunks) text += Buffer.from(chunk.dataBase64, 'base64').toString('latin1');
      texts.set(data.boardId, text);
    }
  });
  const poll = async <T>(check: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  Object.assign(harness, {
    db,
    hub,
    registry,
    sessions,
    events,
    text: (boardId: string) => texts.get(boardId) ?? '',
    of: <E extends EventName>(name: E) => events.filter((event) => event.name === name).map((event) => event.payload as EventPayload<E>),
    waitForText: async (boardId: string, needle: string, timeoutMs = 5000) => {
      await poll(
        () => ((texts.get(boardId) ?? '').includes(needle) ? true : undefined),
        timeoutMs,
        () => `"${needle}" in console text ${JSON.stringify((texts.get(boardId) ?? '').slice(-300))}`,
      );
    },
    waitForState: (boardId: string, state: string, timeoutMs = 5000) =>
      poll(
        () =>
          sessions.status(boardId).state === state
            ? (harness
                .of('console.state')
                .filter((e) => e.boardId === boardId && e.state === state)
                .at(-1) ?? { boardId, state: state as never })
            : undefined,
        timeoutMs,
        () =>
          `state ${state} (now ${sessions.status(boardId).state}; seen ${harness
            .of('console.state')
            .map((e) => e.state)
            .join(' → ')})`,
      ),
    close: async () => {
      await sessions.closeAll();
      registry.stop();
      db.close();
    },
  });
  return harness;
}
