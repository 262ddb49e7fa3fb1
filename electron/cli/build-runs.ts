/**
 * Builds through the app's build service (same TinyGo lookup, cache and size history as the
 * window) and turns a failed build into one error: the first diagnostic's file:line and message, or
 * the build's own error, with the rest of the diagnostics printed above it.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Board, BuildFlagsDto, BuildSource, BuildSummary } from '../contract';
import { buildFlagsSchema } from '../contract';
import { FlashdeckError, cancelledError } from '../../drivers/common/errors';
import { findProgram } from '../../resources/programs/catalogue';
import type { AppServices } from '../services/app-services';
import type { OptionSpecs, ParsedValues } from './command';
import type { Output } from './output';
import { usageError } from './exit-codes';

export const BUILD_FLAG_OPTIONS = {
  opt: { type: 'string', valueName: 'LEVEL', description: 'TinyGo -opt: z, s, 2, 1 or 0.' },
  gc: { type: 'string', valueName: 'KIND', description: 'TinyGo -gc: conservative, precise, leaking or none.' },
  scheduler: { type: 'string', valueName: 'KIND', description: 'TinyGo -scheduler: tasks, none, cores, threads or asyncify.' },
  panic: { type: 'string', valueName: 'HOW', description: 'TinyGo -panic: print or trap.' },
  serial: { type: 'string', valueName: 'KIND', description: 'TinyGo -serial: none, uart, usb or rtt.' },
  'no-debug': { type: 'boolean', description: 'TinyGo -no-debug: leave debug information out.' },
  'stack-size': { type: 'string', valueName: 'SIZE', description: 'TinyGo -stack-size, e.g. 8kb.' },
  tags: { type: 'string', multiple: true, valueName: 'TAG', description: 'A build tag (repeat for several).' },
  ldflag: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'Sets a string variable (-ldflags -X), e.g. main.periodMs=250; repeatable.' },
} as const satisfies OptionSpecs;

/** The build options as the app's contract checks them (the same schema the window's requests pass). */
export function buildFlagsFrom(values: ParsedValues<typeof BUILD_FLAG_OPTIONS>): BuildFlagsDto {
  const ldflags = (values.ldflag ?? []).map((entry) => {
    const equals = entry.indexOf('=');
    if (equals <= 0) throw usageError(`--ldflag ${entry} is not NAME=VALUE.`, 'Write it as --ldflag main.periodMs=250.');
    return { name: entry.slice(0, equals), value: entry.slice(equals + 1) };
  });
  const candidate = {
    opt: values.opt,
    gc: values.gc,
    scheduler: values.scheduler,
    panic: values.panic,
    serial: values.serial,
    noDebug: values['no-debug'] || undefined,
    stackSize: values['stack-size'],
    tags: values.tags?.length ? values.tags : undefined,
    ldflags: ldflags.length ? ldflags : undefined,
  };
  const checked = buildFlagsSchema.safeParse(Object.fromEntries(Object.entries(candidate).filter(([, value]) => value !== undefined)));
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw usageError(`The build option ${issue.path.join('.') || ''} is not valid: ${issue.message}`, 'See flashdeck build --help for the values each option takes.');
  }
  return checked.data;
}

/** A folder or .go file on disk, or the name of a bundled program (blink, heap-telemetry …). */
export function buildSourceFrom(argument: string): BuildSource {
  const path = resolve(argument);
  if (existsSync(path)) return { kind: 'path', path };
  if (/^[a-z0-9-]+$/.test(argument) && findProgram(argument)) return { kind: 'program', program: argument };
  throw usageError(`${argument} is neither a folder, a .go file nor a bundled program.`, 'Give the path of the program folder or its main .go file.');
}

/** Whether a FILE argument is a program to build first (a .go file or a folder) rather than an image. */
export function isBuildSource(argument: string): boolean {
  return argument.endsWith('.go') || isDirectory(argument);
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

/** Where builds for a target with no board (`build DIR --target T`) are recorded in the history. */
export function boardlessBuildId(target: string): string {
  return `target:${target}`;
}

/** Runs one build to its end; a failed build throws its error (diagnostics printed first). */
export async function runBuild(
  services: AppServices,
  board: Board | { target: string },
  source: BuildSource,
  flags: BuildFlagsDto,
  out: Output,
  signal: AbortSignal,
  thenFlash = false,
): Promise<BuildSummary> {
  const { buildId, done } =
    'id' in board
      ? services.builds.start(board.id, source, flags, thenFlash)
      : services.builds.start(boardlessBuildId(board.target), source, flags, false, { target: board.target });
  const cancel = () => services.builds.cancel(buildId);
  signal.addEventListener('abort', cancel, { once: true });
  try {
    const summary = await done;
    if (summary.cancelled) throw cancelledError('build');
    if (!summary.ok) {
      for (const diagnostic of summary.diagnostics) {
        const where = diagnostic.file ? `${diagnostic.file}${diagnostic.line ? `:${diagnostic.line}` : ''}${diagnostic.column ? `:${diagnostic.column}` : ''}: ` : '';
        out.note(`${where}${diagnostic.message}`);
      }
      const first = summary.diagnostics[0];
      throw new FlashdeckError(
        summary.error ?? {
          code: 'BUILD_FAILED',
          stage: 'build',
          message: first ? `TinyGo could not build ${summary.program}: ${first.message}` : `TinyGo could not build ${summary.program}.`,
          hint: first?.hint ?? 'Fix the errors above and run the command again.',
        },
      );
    }
    // Built, but the flash it was to start was refused (the board's tool is missing …).
    if (thenFlash && summary.error) throw new FlashdeckError(summary.error);
    return summary;
  } finally {
    signal.removeEventListener('abort', cancel);
  }
}
