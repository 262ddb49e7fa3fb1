/**
 * `flashdeck test`: hardware in the loop, as `probe-rs run` and `espflash flash --monitor` do it.
 * Builds the program if given one, flashes it (the driver resets the board into it), then reads the
 * console until a panic, a --fail line, a --pass line, or --timeout, and exits with that verdict.
 * Console output from before the flash paused the console never counts (the old firmware may print PASS too).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { BuildSummary } from '../../contract';
import { FlashdeckError, toErrorInfo, type ErrorInfo } from '../../../drivers/common/errors';
import { defineCommand, numberOption, regexOption } from '../command';
import { EXIT, exitCodeFor, usageError, type ExitCode } from '../exit-codes';
import { selectBoards, boardLabel } from '../board-selection';
import { BOARD_OPTIONS } from '../board-options';
import { BUILD_FLAG_OPTIONS, buildFlagsFrom, buildSourceFrom, isBuildSource, runBuild } from '../build-runs';
import { flashBoards, flashFile, type StartFlash } from '../flash-runs';
import { watchConsole } from '../console-watch';
import { DEFAULT_FAIL, DEFAULT_PASS, describePanic, judgeLine, type Verdict } from '../verdict';
import { junitXml, type JunitRun } from '../junit-report';

const DEFAULT_TIMEOUT_S = 60;
/** After a panic line, how long the resolved panic (the symbolizer is a child process) may still take. */
const PANIC_GRACE_MS = 3000;
/** Lines kept for the report (the firmware may print forever). */
const MAX_CAPTURED_LINES = 20_000;

const VERDICT_EXIT: Record<Verdict['kind'], ExitCode> = { pass: EXIT.ok, fail: EXIT.testFailed, panic: EXIT.panic };

export const testCommand = defineCommand({
  name: 'test',
  stage: 'flashing',
  summary: "Runs a hardware test: builds (if given a program) and flashes the board, then watches its console for the firmware's verdict and exits with it.",
  usage: 'flashdeck test DIR|FILE [--port PATH | --board NAME] [--target T] [--pass REGEX] [--fail REGEX] [--timeout S] [--junit FILE]',
  notes: [
    `The verdict is the first console line after the flash that is a panic (TinyGo "panic: …", ESP "Guru Meditation Error"), matches --fail, or matches --pass.`,
    `Defaults follow Go's test output: --pass '${DEFAULT_PASS.source}' --fail '${DEFAULT_FAIL.source}' --timeout ${DEFAULT_TIMEOUT_S}.`,
    'Exit code: 0 passed, 1 failed, 6 panicked, 5 no verdict before --timeout, 3 board or flash failure, 4 build failure, 2 usage error, 130 interrupted.',
    '',
    'Example (CI):',
    '  flashdeck test ./firmware/selftest --target esp32-coreboard-v2 --port /dev/ttyUSB0 --timeout 30 --junit results.xml',
  ],
  options: {
    port: BOARD_OPTIONS.port,
    board: BOARD_OPTIONS.board,
    target: BOARD_OPTIONS.target,
    pass: { type: 'string', valueName: 'REGEX', description: `A line that means the test passed (default ${DEFAULT_PASS.source}).` },
    fail: { type: 'string', valueName: 'REGEX', description: `A line that means it failed (default ${DEFAULT_FAIL.source}).` },
    timeout: { type: 'string', valueName: 'S', description: `Seconds to wait for the verdict once the board runs the program (default ${DEFAULT_TIMEOUT_S}).` },
    junit: { type: 'string', valueName: 'FILE', description: 'Write the result as JUnit XML (board, build, captured output) for CI.' },
    baud: { type: 'string', valueName: 'N', description: "Console baud rate (default: the board's console setting)." },
    'no-flash': { type: 'boolean', description: 'Do not build or flash: reset the board and watch what it already runs.' },
    ...BUILD_FLAG_OPTIONS,
  },
  positionals: { min: 0, max: 1 },
  async run({ values, positionals, out, services, signal }) {
    const patterns = { pass: regexOption('pass', values.pass) ?? DEFAULT_PASS, fail: regexOption('fail', values.fail) ?? DEFAULT_FAIL };
    const timeoutS = numberOption('timeout', values.timeout, { min: 0.1, max: 24 * 3600 }) ?? DEFAULT_TIMEOUT_S;
    const baudRate = numberOption('baud', values.baud, { min: 50, max: 12_000_000, integer: true });
    const [argument] = positionals;
    if (!argument && !values['no-flash'])
      throw usageError('flashdeck test needs the program or image to run.', 'Give a program folder, a .go file or an image, or --no-flash to test what the board runs.');
    if ((values.port?.length ?? 0) + (values.board?.length ?? 0) > 1)
      throw usageError('flashdeck test runs one board.', 'Run one flashdeck test per board (CI jobs in parallel), each with its --port.');
    const building = argument !== undefined && isBuildSource(argument);
    if (argument && !building && !existsSync(argument)) throw usageError(`There is no file ${argument}.`, 'Give a program folder, a .go file or an image to flash.');
    const source = building ? buildSourceFrom(argument) : null;
    const flags = buildFlagsFrom(values);

    const app = await services();
    const [board] = await selectBoards(app, { ports: values.port, boards: values.board, target: values.target });
    const label = boardLabel(board);
    const program = argument ? basename(resolve(argument)).replace(/\.go$/, '') : 'running firmware';
    const startedAt = new Date();
    const output: string[] = [];
    let build: BuildSummary | null = null;
    let judging = false;
    let decide!: (verdict: Verdict | { kind: 'timeout' | 'interrupted' } | { kind: 'error'; error: ErrorInfo }) => void;
    const decided = new Promise<Parameters<typeof decide>[0]>((resolve) => (decide = resolve));
    let verdict: Verdict | null = null;

    const watch = await watchConsole(app, board, baudRate, {
      line: (line) => {
        if (!judging) return;
        if (output.length < MAX_CAPTURED_LINES) output.push(line.text);
        out.raw(line.text + '\n');
        if (verdict) return;
        verdict = judgeLine(line.text, patterns);
        if (verdict?.kind === 'panic') setTimeout(() => decide(verdict!), PANIC_GRACE_MS);
        else if (verdict) decide(verdict);
      },
      panic: (report) => {
        if (!judging) return;
        out.note(describePanic(report));
        // The panic is reported with where it happened: nothing more to wait for.
        if (verdict?.kind === 'panic') decide(verdict);
      },
      failed: (error) => judging && decide({ kind: 'error', error }),
      note: (text) => out.note(text),
      // The console may have the port back before the flash job ends (with the boot in it): judge from the pause on.
      pausedForFlash: () => {
        if (argument) judging = true;
      },
    });
    let result: Parameters<typeof decide>[0];
    let flashError: ErrorInfo | null = null;
    try {
      if (argument) {
        const start: StartFlash = source
          ? async () => {
              out.note(`Building ${argument} for ${label}…`);
              build = await runBuild(app, board, source, flags, out, signal, true);
              return build.flashJobId ?? Promise.reject(new FlashdeckError({ code: 'BUILD_NO_ARTIFACT', stage: 'build', message: 'The build started no flash.' }));
            }
          : flashFile(app, resolve(argument), {});
        const [flashed] = await flashBoards(app, [board], start, out, signal);
        if (!flashed.ok) flashError = flashed.error ?? toErrorInfo(new Error('The flash failed.'), 'flashing');
        else out.note(`Flashed ${label} (verified by ${flashed.outcome?.verifiedBy ?? 'the driver'}); waiting up to ${timeoutS} s for the verdict…`);
      } else {
        const how = await app.portSessions.reset(board.id).catch((error: unknown) => `not reset (${toErrorInfo(error).message})`);
        out.note(`${label}: ${how}; waiting up to ${timeoutS} s for the verdict…`);
      }
      if (!flashError) {
        judging = true;
        const timer = setTimeout(() => decide({ kind: 'timeout' }), timeoutS * 1000);
        const onAbort = () => decide({ kind: 'interrupted' });
        signal.addEventListener('abort', onAbort, { once: true });
        result = await decided;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      } else result = { kind: 'error', error: flashError };
    } finally {
      await watch.close();
    }

    const durationMs = Date.now() - startedAt.getTime();
    const builtBy = build as BuildSummary | null;
    const exitCode: ExitCode =
      result.kind === 'timeout' ? EXIT.timeout : result.kind === 'interrupted' ? EXIT.interrupted : result.kind === 'error' ? exitCodeFor(result.error) : VERDICT_EXIT[result.kind];
    const detail =
      result.kind === 'timeout'
        ? `No line matched ${patterns.pass} or ${patterns.fail} within ${timeoutS} s.`
        : result.kind === 'interrupted'
          ? 'Interrupted before a verdict.'
          : result.kind === 'error'
            ? result.error.message
            : 'line' in result
              ? result.line
              : '';
    if (values.junit) {
      const run: JunitRun = {
        program,
        boardLabel: label,
        properties: {
          board: board.name ?? board.id,
          port: board.path,
          target: builtBy?.target ?? board.target,
          buildId: builtBy?.buildId,
          historyId: builtBy?.historyId?.toString(),
          artifact: builtBy?.artifactPath ?? (argument && !building ? resolve(argument) : null),
          tinygoVersion: builtBy?.tinygoVersion,
        },
        outcome: result.kind === 'interrupted' ? 'error' : result.kind,
        detail,
        durationMs,
        startedAt,
        output,
      };
      try {
        writeFileSync(values.junit, junitXml(run));
      } catch (error) {
        out.note(`Writing the JUnit report to ${values.junit} failed: ${(error as Error).message}`);
      }
    }
    if (result.kind === 'error') throw new FlashdeckError(result.error);
    const word = { pass: 'PASSED', fail: 'FAILED', panic: 'PANICKED', timeout: 'TIMED OUT', interrupted: 'INTERRUPTED' }[result.kind];
    out.note(`${program} on ${label}: ${word} — ${detail}`);
    out.document({
      ok: exitCode === EXIT.ok,
      exitCode,
      verdict: result.kind,
      line: 'line' in result ? result.line : null,
      board: { id: board.id, port: board.path, name: board.name },
      build: builtBy ? { buildId: builtBy.buildId, target: builtBy.target, artifactPath: builtBy.artifactPath, historyId: builtBy.historyId } : null,
      durationMs,
      output,
    });
    return exitCode;
  },
});
