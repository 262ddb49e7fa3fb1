/**
 * `flashdeck history`: a board's builds from the size history (the window's Size history), as a
 * table, or exported as the window exports it (--csv, --json); `--flashes` shows its flash log.
 */
import { defineCommand, numberOption } from '../command';
import { EXIT, usageError } from '../exit-codes';
import { formatTable } from '../output';
import { selectBoards, boardLabel } from '../board-selection';
import { BOARD_OPTIONS } from '../board-options';
import { boardlessBuildId } from '../build-runs';
import type { Board } from '../../contract';

/** The pseudo-board builds for a target alone are recorded under, as the history commands need it. */
function targetOnly(target: string): Board {
  return {
    id: boardlessBuildId(target),
    name: target,
    path: 'no board',
    present: false,
    manual: false,
    target,
    detected: null,
    guess: { confidence: 'unknown', mode: 'unknown', targets: [target], label: target },
  };
}

export const historyCommand = defineCommand({
  name: 'history',
  stage: 'history',
  summary: "Shows a board's build history (flash and RAM per build) or its flash log; --csv and --json export it as the window does.",
  usage: 'flashdeck history [--port PATH | --board NAME | --target T] [--csv | --json] [--flashes] [--limit N]',
  notes: ['Exit code: 0 shown, 3 no such board, 2 usage error.'],
  options: {
    port: BOARD_OPTIONS.port,
    board: BOARD_OPTIONS.board,
    target: { type: 'string', valueName: 'TARGET', description: 'Builds made for this TinyGo target with no board (flashdeck build DIR --target T).' },
    csv: { type: 'boolean', description: 'Print the size history as CSV (the window\'s "Export CSV").' },
    flashes: { type: 'boolean', description: 'Show the flash log (every attempt, with its result) instead of builds.' },
    limit: { type: 'string', valueName: 'N', description: 'Most recent N entries (default 50).' },
  },
  positionals: { min: 0, max: 0 },
  async run({ values, out, services }) {
    if (values.csv && values.json) throw usageError('--csv and --json both ask for the whole output.', 'Pick one of them.');
    const limit = numberOption('limit', values.limit, { min: 1, max: 500, integer: true }) ?? 50;
    const app = await services();
    // --target alone: the builds made for that target with no board (flashdeck build DIR --target T).
    const board: Board =
      values.target && !values.port?.length && !values.board?.length ? targetOnly(values.target) : (await selectBoards(app, { ports: values.port, boards: values.board }))[0];
    if (values.flashes) {
      const flashes = await app.handlers['flash.history']({ boardId: board.id, limit });
      out.document({ ok: true, boardId: board.id, flashes });
      out.line(
        flashes.length
          ? formatTable(
              ['WHEN', 'FILE', 'METHOD', 'BYTES', 'RESULT', 'TIME'],
              flashes.map((entry) => [
                new Date(entry.startedAt).toISOString().replace('T', ' ').slice(0, 19),
                entry.fileName,
                entry.method ?? 'unknown',
                String(entry.bytes),
                entry.ok ? `ok (${entry.verifiedBy ?? 'verified'})` : `failed: ${entry.errorCode ?? 'unknown'}`,
                `${(entry.durationMs / 1000).toFixed(1)} s`,
              ]),
            )
          : `No flashes are recorded for ${boardLabel(board)}.`,
      );
      return EXIT.ok;
    }
    if (values.csv || values.json) {
      // The window's export, byte for byte: one format, one place (history-export.ts).
      out.export(app.history.export(board.id, values.csv ? 'csv' : 'json').text);
      return EXIT.ok;
    }
    const builds = app.history.sizes.list(board.id, limit);
    out.line(
      builds.length
        ? formatTable(
            ['WHEN', 'PROGRAM', 'TARGET', 'FLASH', 'RAM', 'RESULT', 'FLAGS'],
            builds.map((build) => [
              new Date(build.startedAt).toISOString().replace('T', ' ').slice(0, 19),
              build.program,
              build.target,
              build.flash === null ? '-' : `${build.flash} B`,
              build.ram === null ? '-' : `${build.ram} B`,
              build.ok ? 'ok' : (build.error ?? 'failed'),
              build.flagArgs.join(' ') || '-',
            ]),
          )
        : `No builds are recorded for ${boardLabel(board)}.`,
    );
    return EXIT.ok;
  },
});
