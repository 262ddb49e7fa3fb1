/**
 * The command line's exit codes, the one place they are defined; `flashdeck --help` and the README
 * print this table. A script can tell a firmware that failed its test from a board that could not
 * be flashed, a test that never answered, and its own typo.
 */
import { FlashdeckError, type ErrorInfo } from '../../drivers/common/errors';

export const EXIT = {
  /** Everything asked for succeeded (a test passed). */
  ok: 0,
  /** `test`: the firmware printed a line matching --fail. */
  testFailed: 1,
  /** The command line itself is wrong (unknown option, missing file, bad number). */
  usage: 2,
  /** A board, port or flash failed (not found, busy, no sync, verify mismatch); with several boards: any of them. */
  board: 3,
  /** TinyGo could not build the program, or is not installed. */
  build: 4,
  /** `test` / `monitor --until`: no verdict before --timeout. */
  timeout: 5,
  /** `test`: the firmware panicked (TinyGo `panic:`, ESP `Guru Meditation Error`). */
  panic: 6,
  /** Stopped with Ctrl-C (or SIGTERM); the running flash or build was cancelled. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const EXIT_CODE_HELP: readonly [ExitCode, string][] = [
  [EXIT.ok, 'success (test: the firmware passed)'],
  [EXIT.testFailed, 'test: the firmware reported a failure (--fail matched)'],
  [EXIT.usage, 'usage error: unknown option, missing argument, file not found'],
  [EXIT.board, 'board, port or flash failure (any board, when several)'],
  [EXIT.build, 'build failure or TinyGo missing'],
  [EXIT.timeout, 'timeout: no verdict (test) or --until match (monitor) in time'],
  [EXIT.panic, 'test: the firmware panicked'],
  [EXIT.interrupted, 'interrupted (Ctrl-C); the running job was cancelled'],
];

/** Stages whose errors are the build's (the build service and toolchain checks use these). */
const BUILD_STAGES = new Set(['build', 'toolchain', 'program', 'targets']);

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: ErrorInfo): ExitCode {
  if (error.stage === 'usage') return EXIT.usage;
  if (error.code === 'CANCELLED') return EXIT.interrupted;
  if (BUILD_STAGES.has(error.stage) || error.code.startsWith('TINYGO_') || error.code.startsWith('BUILD_')) return EXIT.build;
  return EXIT.board;
}

/** A mistake on the command line: what was wrong and how to write it. */
export function usageError(message: string, hint: string): FlashdeckError {
  return new FlashdeckError({ code: 'CLI_USAGE', stage: 'usage', message, hint });
}
