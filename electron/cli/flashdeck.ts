/**
 * `flashdeck`: the app's services without a window, for benches, scripts and CI. A third thin
 * adapter beside Electron's main and serve mode: it parses the command line, calls the same
 * services, prints text or JSON, and exits with a code a script can act on (exit-codes.ts).
 *
 *   npx flashdeck --help         npm run cli -- flash app.bin --port /dev/ttyUSB0
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toErrorInfo } from '../../drivers/common/errors';
import type { AppServices } from '../services/app-services';
import { keepProcessAlive } from '../last-resort';
import { commandHelp, parseCommandArgs, type Command, type OptionSpecs } from './command';
import { EXIT, EXIT_CODE_HELP, exitCodeFor, usageError } from './exit-codes';
import { Output, type Writable } from './output';
import { startHeadlessServices, type HeadlessOptions } from './headless-services';
import { boardsCommand } from './commands/boards';
import { flashCommand } from './commands/flash';
import { monitorCommand } from './commands/monitor';
import { buildCommand, sizeCommand } from './commands/build';
import { testCommand } from './commands/test';
import { historyCommand } from './commands/history';

const COMMANDS = [boardsCommand, flashCommand, monitorCommand, testCommand, buildCommand, sizeCommand, historyCommand] as unknown as Command<OptionSpecs>[];

function findCommand(name: string): Command<OptionSpecs> | undefined {
  return COMMANDS.find((command) => command.name === name || command.aliases?.includes(name));
}

export function topHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length)) + 2;
  return [
    'Usage: flashdeck <command> [options]',
    '',
    'Build TinyGo programs, flash ESP32 and nRF52 boards and watch their consoles, without the window.',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}${command.summary.split('. ')[0].replace(/\.$/, '')}.`),
    '',
    'Every command takes --help, --json (one JSON document on stdout) and --data-dir DIR.',
    '',
    'Exit codes:',
    ...EXIT_CODE_HELP.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`),
  ].join('\n');
}

export interface CliIo {
  stdout?: Writable;
  stderr?: Writable;
  /** Aborted on Ctrl-C by the entry point; tests abort it themselves. */
  signal?: AbortSignal;
  /** Tests: simulated ports instead of the OS's. */
  headless?: Omit<HeadlessOptions, 'dataDir' | 'log'>;
}

/** Runs one command line and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest[0] ? findCommand(rest[0]) : undefined;
    stdout.write((topic ? commandHelp(topic) : topHelp()) + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    stdout.write(`flashdeck ${packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = findCommand(name);
  const out = new Output(rest.includes('--json'), stdout, stderr);
  let services: Promise<AppServices> | null = null;
  try {
    if (!command) {
      throw usageError(`flashdeck has no command "${name}".`, `Commands: ${COMMANDS.map((entry) => entry.name).join(', ')}. See flashdeck --help.`);
    }
    const { values, positionals } = parseCommandArgs(command, rest);
    if (values.help) {
      stdout.write(commandHelp(command) + '\n');
      return EXIT.ok;
    }
    const signal = io.signal ?? new AbortController().signal;
    const dataDir = values['data-dir'] ? resolve(values['data-dir']) : undefined;
    return await command.run({
      values,
      positionals,
      out,
      signal,
      services: () => (services ??= startHeadlessServices({ ...io.headless, dataDir, log: (line) => out.note(line) })),
    });
  } catch (error) {
    const info = toErrorInfo(error, command?.stage ?? 'usage');
    const code = exitCodeFor(info);
    out.error(info, code);
    return code;
  } finally {
    if (services) {
      await (services as Promise<AppServices>).then(
        (running) => running.close(),
        () => undefined,
      );
    }
  }
}

function packageVersion(): string {
  const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
}

/**
 * The process entry: Ctrl-C cancels the running job (a second one leaves at once). `argv` is the
 * command line after the program (an installed app's `flashdeck --cli …` passes what follows --cli).
 */
export async function main(argv = process.argv.slice(2)): Promise<void> {
  // How another program (the app, a second flashdeck) names us when we hold a port it wants.
  process.title = 'flashdeck';
  keepProcessAlive((line) => process.stderr.write(line + '\n'));
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nStopping: cancelling the running job and releasing the port (Ctrl-C again to quit at once).\n');
      interrupt.abort();
    } else process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (flashdeck … | head) is not an error of ours.
  process.stdout.on('error', () => undefined);
  const code = await runCli(argv, { signal: interrupt.signal });
  process.exit(code);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) void main();
