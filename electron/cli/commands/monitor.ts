/**
 * `flashdeck monitor`: prints what the board sends, until Ctrl-C, a line matching --until, or
 * --timeout. TinyGo panics are resolved to function and file:line when the board's last build is
 * known (as in the window's console).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineCommand, numberOption, regexOption } from '../command';
import { EXIT, usageError, type ExitCode } from '../exit-codes';
import { selectBoards, boardLabel } from '../board-selection';
import { BOARD_OPTIONS } from '../board-options';
import { watchConsole } from '../console-watch';
import { FlashdeckError, type ErrorInfo } from '../../../drivers/common/errors';
import { describePanic } from '../verdict';
import { parsePanicLine } from '../../services/console/panic-symbolizer';

/** How long a stopping monitor waits for a panic's resolved report (the symbolizer runs as a child process). */
const PANIC_REPORT_WAIT_MS = 3000;

export const monitorCommand = defineCommand({
  name: 'monitor',
  stage: 'console',
  summary: "Prints the board's serial output. Stops on Ctrl-C, on a line matching --until, or after --timeout seconds.",
  usage: 'flashdeck monitor [--port PATH | --board NAME] [--baud N] [--timestamps] [--log FILE] [--until REGEX] [--timeout S] [--elf FILE]',
  notes: ['Exit code: 0 stopped (or --until matched), 5 --timeout passed before --until matched, 3 the port failed, 2 usage error.'],
  options: {
    port: BOARD_OPTIONS.port,
    board: BOARD_OPTIONS.board,
    baud: { type: 'string', valueName: 'N', description: "Baud rate (default: the board's console setting, else Settings' default)." },
    timestamps: { type: 'boolean', description: 'Prefix each line with the seconds since the monitor started.' },
    log: { type: 'string', valueName: 'FILE', description: 'Also append the raw output to FILE.' },
    until: { type: 'string', valueName: 'REGEX', description: 'Stop (exit 0) at the first line matching REGEX.' },
    timeout: { type: 'string', valueName: 'S', description: 'Stop after S seconds (exit 5 if --until has not matched by then).' },
    elf: {
      type: 'string',
      valueName: 'FILE',
      description: "The running program's ELF, to resolve TinyGo panic addresses to function and file:line (needs llvm-symbolizer or addr2line).",
    },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, out, services, signal }) {
    const baudRate = numberOption('baud', values.baud, { min: 50, max: 12_000_000, integer: true });
    const until = regexOption('until', values.until);
    const timeoutS = numberOption('timeout', values.timeout, { min: 0.1, max: 7 * 24 * 3600 });
    const app = await services();
    if (values.port && values.port.length > 1)
      throw new FlashdeckError({ code: 'CLI_USAGE', stage: 'usage', message: 'monitor watches one board.', hint: 'Give one --port (run several monitors for several boards).' });
    if (values.elf && !existsSync(values.elf)) throw usageError(`There is no file ${values.elf}.`, 'Give the ELF the board runs (tinygo build -o app.elf …).');
    const [board] = await selectBoards(app, { ports: values.port, boards: values.board });
    // Panics resolve against this ELF (a build in this process would set it; a separate monitor is told).
    if (values.elf) app.portSessions.setElfForBoard(board.id, resolve(values.elf));
    const log = values.log ? createWriteStream(values.log, { flags: 'a' }) : null;
    let logError: string | null = null;
    log?.on('error', (error) => (logError ??= error.message));
    const startedAt = Date.now();
    let finish!: (result: { code: ExitCode; error?: ErrorInfo; matched?: string }) => void;
    const finished = new Promise<{ code: ExitCode; error?: ErrorInfo; matched?: string }>((resolve) => (finish = resolve));
    const lines: string[] = [];
    let panicReported: Promise<void> | null = null;
    let panicResolved: (() => void) | null = null;
    const watch = await watchConsole(app, board, baudRate, {
      bytes: (bytes) => {
        log?.write(bytes);
        if (!values.timestamps) out.raw(bytes.toString('utf8'));
      },
      line: (line) => {
        if (parsePanicLine(line.text)) panicReported = new Promise<void>((resolve) => (panicResolved = resolve));
        if (values.timestamps) out.raw(`[${((line.t - startedAt) / 1000).toFixed(3).padStart(8)}] ${line.text}\n`);
        if (out.json) lines.push(line.text);
        if (until?.test(line.text)) finish({ code: EXIT.ok, matched: line.text });
      },
      panic: (report) => {
        out.note(describePanic(report));
        panicResolved?.();
      },
      failed: (error) => finish({ code: EXIT.board, error }),
      note: (text) => out.note(text),
    });
    out.note(`Monitoring ${boardLabel(board)}${until ? ` until a line matches ${until}` : ''}. Ctrl-C to stop.`);
    const timer = timeoutS ? setTimeout(() => finish({ code: until ? EXIT.timeout : EXIT.ok }), timeoutS * 1000) : null;
    const onAbort = () => finish({ code: until ? EXIT.interrupted : EXIT.ok });
    signal.addEventListener('abort', onAbort, { once: true });
    const result = await finished;
    // A panic line ended the watch (--until '^panic:'): its resolved report is still on its way from the symbolizer.
    if (panicReported) await Promise.race([panicReported, new Promise((resolve) => setTimeout(resolve, PANIC_REPORT_WAIT_MS))]);
    if (timer) clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    await watch.close();
    await new Promise<void>((resolve) => (log ? log.end(() => resolve()) : resolve()));
    if (logError) out.note(`Writing ${values.log} failed: ${logError}`);
    if (result.error) throw new FlashdeckError(result.error);
    if (result.code === EXIT.timeout) out.note(`No line matched ${until} within ${timeoutS} s.`);
    out.document({ ok: result.code === EXIT.ok, exitCode: result.code, matched: result.matched ?? null, lines });
    return result.code;
  },
});
