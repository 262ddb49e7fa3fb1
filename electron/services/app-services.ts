/**
 * All main-process services, wired once and handed to an adapter (Electron main or serve.ts).
 * Nothing here knows about Electron or WebSockets.
 */
import { join } from 'node:path';
import { EventHub, type Handlers } from '../dispatcher';
import type { EventPayload } from '../contract';
import type { BindingInterface } from '@serialport/bindings-interface';
import { FlashdeckError } from '../../drivers/common/errors';
import { BOARD_CATALOGUE } from '../../drivers/common/board-catalogue';
import { openDatabase, type Db } from './store/database';
import { SettingsStore } from './store/settings-store';
import { BoardStore } from './store/board-store';
import { BoardRegistry } from './ports/board-registry';
import { createSystemPortLister, type PortLister } from './ports/port-lister';
import { checkSerialAccess } from './ports/serial-access';
import { routedBinding, type SimulatedBench } from './ports/simulated-bench';
import { SimulatedBoards } from './ports/simulated-boards';
import { createDeviceWatch } from './ports/device-watch';
import { FlashLog } from './store/flash-log';
import { FlashService } from './flash/flash-service';
import { espFlasher } from './flash/esp-flasher';
import { createNrfFlasher, type NrfFlasherOptions } from './flash/nrf-flasher';
import { HistoryService } from './history/history-service';
import { FlagExperiments } from './history/flag-experiments';
import { BuildService } from './builds/build-service';
import { openInEditor } from './editor-launcher';
import { loadOsSerialBinding, PortSessions, type PortLease } from './ports/port-sessions';
import { borrowFromApp, brokerAddress, startPortBroker, type BorrowedPort } from './ports/port-broker';
import { ConsoleSettingsStore } from './store/console-settings-store';
import { TelemetrySessionStore } from './store/telemetry-sessions';
import { TelemetryRecorder } from './telemetry/telemetry-recorder';
import { CHIP_RAM_BYTES } from '../../drivers/common/board-catalogue';
import { modelOf } from './flash/flash-service';

export interface AppServicesOptions {
  dataDir: string;
  mode: 'electron' | 'serve' | 'cli';
  version: string;
  lister?: PortLister;
  pollMs?: number;
  log?: (line: string) => void;
  /** Whether an external flash tool (openocd, nrfjprog, bossac) is installed; default: look on PATH. */
  toolProbe?: (tool: string) => Promise<boolean>;
  /** nRF52 drive search roots and 1200-baud touch (tests point them at simulated boards). */
  nrf?: NrfFlasherOptions;
  /** Bundled TinyGo programs (resources/programs). */
  programsDir: string;
  /** node-serialport binding for consoles (tests: the simulator's); the OS binding by default. */
  serialBinding?: PortSessionsBinding;
  /** Simulated boards for "Try with a simulated board" (the window and serve mode); absent on the command line. */
  simulatedBench?: SimulatedBench;
  /** Electron: the OS folder picker (dialog.showOpenDialog); absent in browser mode. */
  pickFolder?: (title: string) => Promise<string | null>;
}

type PortSessionsBinding = ConstructorParameters<typeof PortSessions>[0]['binding'];

export interface AppServices {
  hub: EventHub;
  handlers: Handlers;
  registry: BoardRegistry;
  flash: FlashService;
  builds: BuildService;
  /** Size history, budgets, capacity; checkHeapBudget(boardId, minFreeHeapBytes) for heap telemetry. */
  history: HistoryService;
  /** One port session per open console; flash jobs lease ports from it. */
  portSessions: PortSessions;
  db: Db;
  /**
   * Command line only: pauses the app's console on `path` (same machine and data folder) until the
   * returned port is released, so the command can open it itself; null when the app does not hold it.
   */
  holdFromApp(path: string, reason: string): Promise<BorrowedPort | null>;
  close(): Promise<void>;
}

export async function createAppServices(options: AppServicesOptions): Promise<AppServices> {
  const log = options.log ?? ((line: string) => console.error(line));
  const hub = new EventHub();
  const db = openDatabase(join(options.dataDir, 'flashdeck.sqlite'));
  const settings = new SettingsStore(db);
  const boardStore = new BoardStore(db);
  const bench = options.simulatedBench;
  const osLister = options.lister ?? createSystemPortLister();
  const registry = new BoardRegistry({
    // A failing OS listing (no udev, a broken native module) is reported and leaves the simulated boards listed.
    lister: bench
      ? async () => {
          const os = await osLister().catch((error: unknown) => {
            log(`Listing serial ports failed: ${error instanceof Error ? error.message : String(error)}`);
            return [];
          });
          return [...os, ...(await bench.list())];
        }
      : osLister,
    simulatedKind: bench ? (path) => bench.kindAt(path) : undefined,
    store: boardStore,
    pollMs: options.pollMs,
    // Tests inject their own lister (simulated USB ports): they keep the plain 500 ms poll.
    deviceWatch: options.lister ? undefined : createDeviceWatch(),
    onChange: (boards) => hub.emit('boards.changed', { boards }),
    onListError: (error) => log(`Listing serial ports failed: ${error instanceof Error ? error.message : String(error)}`),
  });
  await registry.start();
  // Simulated boards open through their own binding; every other port through the test's or the OS's.
  let osBindingLoad: Promise<BindingInterface> | null = null;
  const osBinding = (): Promise<BindingInterface> => (options.serialBinding ? Promise.resolve(options.serialBinding) : (osBindingLoad ??= loadOsSerialBinding()));
  const serialBinding = bench ? routedBinding(bench, osBinding) : options.serialBinding;
  const portSessions = new PortSessions({
    hub,
    boards: registry,
    store: new ConsoleSettingsStore(db),
    binding: serialBinding,
    defaultBaud: () => settings.get().defaultBaud,
  });
  const flashLog = new FlashLog(db);
  // The command line shares the app's database while the app may be flashing: only the app tidies up after a crash.
  const interrupted = options.mode === 'cli' ? 0 : flashLog.markInterrupted();
  if (interrupted) log(`${interrupted} flash attempt(s) were cut short when Flashdeck last stopped; they are in the flash log as interrupted.`);
  // One owner per port on this machine: the app lends its consoles' ports to the command line
  // (port-broker.ts); the command line borrows them before its own flash jobs.
  const brokerAt = brokerAddress(options.dataDir);
  const broker =
    options.mode === 'cli'
      ? null
      : await startPortBroker({
          address: brokerAt,
          lease: async (path, reason) => {
            const board = registry.list().find((candidate) => candidate.path === path && portSessions.isOpen(candidate.id));
            return board ? portSessions.lease(board.id, reason) : null;
          },
          log,
        }).catch((error: unknown) => {
          log(`The command line cannot pause this app's consoles (${error instanceof Error ? error.message : String(error)}); it will find their ports busy.`);
          return null;
        });
  // Ports the command line holds from the app for a whole command (monitor, test): its flash jobs need not ask again.
  const heldFromApp = new Map<string, BorrowedPort>();
  const holdFromApp = async (path: string, reason: string): Promise<BorrowedPort | null> => {
    if (options.mode !== 'cli' || heldFromApp.has(path)) return null;
    const borrowed = await borrowFromApp(brokerAt, { path, reason, program: 'flashdeck' });
    if (!borrowed) return null;
    heldFromApp.set(path, borrowed);
    return {
      release: async () => {
        heldFromApp.delete(path);
        await borrowed.release();
      },
    };
  };
  const leasePort = async (boardId: string, reason: string): Promise<PortLease> => {
    const local = await portSessions.lease(boardId, reason);
    if (options.mode !== 'cli' || heldFromApp.has(local.path)) return local;
    const borrowed = await borrowFromApp(brokerAt, { path: local.path, reason, program: 'flashdeck' }).catch(async (error: unknown) => {
      await local.release();
      throw error;
    });
    if (!borrowed) return local;
    // No hand-over here: the app's console wants the port back, through the broker, when the job ends.
    return {
      path: local.path,
      release: async (expect) => {
        await borrowed.release();
        await local.release(expect);
      },
    };
  };
  const flash = new FlashService({
    registry,
    hub,
    settings,
    flashLog,
    flashers: { esp32: espFlasher, nrf52: createNrfFlasher({ ...options.nrf, extraDriveRoots: bench ? () => bench.driveRoots() : undefined }) },
    leasePort: (boardId, reason) => leasePort(boardId, reason),
    binding: serialBinding,
    log,
  });
  const simulated = new SimulatedBoards(registry, bench);

  // The build service is created below; capacity asks it for the target and the installed TinyGo's linker script.
  let buildsRef: BuildService | null = null;
  const history = new HistoryService({
    db,
    targetOf: (boardId) => buildsRef?.boardTarget(boardId) ?? null,
    capacitySources: (target) => buildsRef?.linkerScriptOf(target) ?? Promise.resolve({ tinygoRoot: null, linkerScript: null }),
  });
  const sizeHistory = history.sizes;
  const builds = new BuildService({
    hub,
    registry,
    settings,
    history: sizeHistory,
    flash,
    programsDir: options.programsDir,
    cacheDir: join(options.dataDir, 'cache'),
    toolProbe: options.toolProbe,
    onArtifact: (boardId, artifactPath) => portSessions.setElfForBoard(boardId, artifactPath),
  });
  buildsRef = builds;
  const experiments = new FlagExperiments({ db, builds, hub, history: sizeHistory, log });
  const cutShort = options.mode === 'cli' ? 0 : experiments.store.markInterrupted();
  if (cutShort) log(`${cutShort} flag comparison(s) were cut short when Flashdeck last stopped; they are listed as cancelled.`);

  const telemetrySessions = new TelemetrySessionStore(db);
  const recorder = new TelemetryRecorder({
    store: telemetrySessions,
    log,
    // The lowest free heap a session reaches is kept on the build it runs and judged against the heap budget.
    onMinFreeHeap: (boardId, bytes) => {
      if (history.checkHeapBudget(boardId, bytes).build) hub.emit('history.changed', { boardId });
    },
  });
  // Sessions follow the console: samples start one; closing the console or starting a flash ends it.
  const stopRecording = hub.subscribe((name, payload) => {
    if (name === 'telemetry.batch') {
      const { boardId, ...batch } = payload as EventPayload<'telemetry.batch'>;
      recorder.add(boardId, batch);
    } else if (name === 'console.state') {
      const { boardId, state, movedTo } = payload as EventPayload<'console.state'>;
      if (movedTo) recorder.move(boardId, movedTo);
      else if (state === 'closed' || state === 'error') recorder.end(boardId);
    } else if (name === 'flash.progress') {
      // A flash begins: what comes after is other firmware, another session.
      recorder.flashStarted((payload as EventPayload<'flash.progress'>).boardId);
    } else if (name === 'flash.finished') {
      recorder.flashFinished((payload as EventPayload<'flash.finished'>).boardId);
    }
  });

  const handlers: Handlers = {
    'app.info': () => ({
      version: options.version,
      mode: options.mode,
      platform: process.platform,
      dataDir: options.dataDir,
      serialAccess: checkSerialAccess(),
      simulators: simulated.available,
    }),
    'boards.list': () => registry.refresh(),
    'boards.addByPath': ({ path, name }) => registry.addByPath(path, name),
    'boards.update': ({ boardId, name, target }) => registry.update(boardId, { name, target }),
    'boards.forget': async ({ boardId }) => {
      await registry.forget(boardId);
      await simulated.forget(boardId);
      return { ok: true as const };
    },
    'boards.overview': () =>
      Promise.all(registry.list().map(async (board) => ({ boardId: board.id, lastFlash: flashLog.recent(board.id, 1)[0] ?? null, ...(await history.latestSizes(board.id)) }))),
    'simulator.start': ({ kind }) => simulated.start(kind),
    'simulator.press': ({ boardId, button }) => simulated.press(boardId, button),
    'simulator.sample': ({ boardId }) => simulated.sample(boardId),
    'catalogue.list': () =>
      BOARD_CATALOGUE.map(({ target, name, family, chip, flashMethod, outputFormat, led }) => ({ target, name, family, chip, flashMethod, outputFormat, led })),
    'flash.inspect': ({ boardId, file }) => flash.inspect(boardId, file),
    'flash.start': ({ boardId, file, offset, force, eraseAll }) => flash.start(boardId, file, { offset, force, eraseAll }),
    'flash.cancel': ({ jobId }) => {
      flash.cancel(jobId);
      return { ok: true as const };
    },
    'flash.history': ({ boardId, limit }) => flashLog.recent(boardId, limit),
    'flash.jobs': () => flash.latestJobs(),
    'toolchain.health': ({ refresh }) => builds.health(refresh),
    'toolchain.targets': () => builds.targets(),
    'programs.list': () => builds.programs(),
    'build.start': ({ boardId, source, flags, flash: thenFlash }) => ({ buildId: builds.start(boardId, source, flags, thenFlash).buildId }),
    'build.jobs': () => builds.latestBuilds(),
    'build.cancel': ({ buildId }) => {
      builds.cancel(buildId);
      return { ok: true as const };
    },
    'build.allocReport': ({ boardId, source, flags, pattern }) => builds.allocReport(boardId, source, flags, pattern),
    'telemetry.sessions': ({ boardId, limit }) => {
      recorder.flushAll();
      return telemetrySessions.list(boardId, limit);
    },
    'telemetry.session': ({ sessionId, whole }) => {
      recorder.flushAll();
      const found = telemetrySessions.read(sessionId, whole ? Infinity : undefined);
      if (!found)
        throw new FlashdeckError({ code: 'SESSION_NOT_FOUND', stage: 'telemetry', message: `There is no telemetry session ${sessionId}.`, hint: 'Refresh the session list.' });
      return found;
    },
    'telemetry.budget': ({ boardId }) => {
      const board = registry.require(boardId);
      const chip = modelOf(board)?.chip ?? board.guess.chip ?? null;
      const running = history.runningBuild(boardId);
      return {
        chip,
        boardRamBytes: chip && chip in CHIP_RAM_BYTES ? CHIP_RAM_BYTES[chip as keyof typeof CHIP_RAM_BYTES] : null,
        build: running ? { id: running.id, program: running.program, startedAt: running.startedAt, ram: running.ram } : null,
        buildNote: running ? null : 'No verified flash of a Flashdeck build is recorded for this board, so the static RAM of what it runs is unknown. Build and flash it here.',
      };
    },
    'history.sizes': ({ boardId, limit }) => sizeHistory.list(boardId, limit),
    'history.series': ({ boardId, limit }) => sizeHistory.series(boardId, limit),
    'history.build': ({ buildId }) => sizeHistory.get(buildId) ?? null,
    'history.builds': ({ offset, limit, ...filter }) => history.page(filter, offset, limit),
    'history.packages': ({ buildId }) => sizeHistory.packages(buildId),
    'history.diff': ({ fromBuildId, toBuildId }) => history.diff(fromBuildId, toBuildId),
    'history.export': ({ boardId, format }) => history.export(boardId, format),
    'history.capacity': ({ boardId }) => history.capacity(boardId),
    'budgets.get': ({ boardId, program }) => history.budgets.get(boardId, program),
    'budgets.set': ({ boardId, program, kind, bytes }) => {
      const budgets = history.setBudget(boardId, program, kind, bytes);
      hub.emit('history.changed', { boardId });
      return budgets;
    },
    'experiments.start': ({ boardId, source, variants }) => experiments.start(boardId, source, variants),
    'experiments.cancel': ({ experimentId }) => {
      experiments.cancel(experimentId);
      return { ok: true as const };
    },
    'experiments.list': ({ boardId }) => experiments.store.list(boardId),
    'experiments.get': ({ experimentId }) => experiments.get(experimentId),
    'editor.open': ({ file, line, column }) => openInEditor(file, line, column),
    'console.open': ({ boardId, settings: consoleSettings }) => portSessions.open(boardId, consoleSettings),
    'console.close': async ({ boardId }) => {
      await portSessions.close(boardId);
      return { ok: true as const };
    },
    'console.send': async ({ boardId, dataBase64, historyEntry }) => ({
      ok: true as const,
      bytes: await portSessions.send(boardId, Buffer.from(dataBase64, 'base64'), historyEntry),
    }),
    'console.setSignals': ({ boardId, dtr, rts }) => portSessions.setSignals(boardId, { dtr, rts }),
    'console.reset': async ({ boardId }) => ({ ok: true as const, description: await portSessions.reset(boardId) }),
    'console.configure': ({ boardId, settings: consoleSettings }) => portSessions.configure(boardId, consoleSettings),
    'console.setLogging': ({ boardId, directory }) => portSessions.setLogging(boardId, directory),
    'console.status': ({ boardId }) => portSessions.status(boardId),
    'console.pickLogFolder': async () =>
      options.pickFolder ? { supported: true, directory: await options.pickFolder('Choose a folder for console logs') } : { supported: false, directory: null },
    'settings.get': () => settings.get(),
    'settings.update': (changes) => {
      const next = settings.update(changes);
      hub.emit('settings.changed', { settings: next });
      return next;
    },
  };

  return {
    hub,
    handlers,
    registry,
    flash,
    builds,
    history,
    portSessions,
    db,
    holdFromApp,
    async close() {
      builds.cancelAll();
      await broker?.close();
      await Promise.all([...heldFromApp.values()].map((borrowed) => borrowed.release()));
      await portSessions.closeAll();
      stopRecording();
      recorder.endAll();
      registry.stop();
      await bench?.close();
      db.close();
    },
  };
}
