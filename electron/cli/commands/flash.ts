/**
 * `flashdeck flash FILE`: one image (or a program, built first) to one board or several at once.
 * Each board is its own job; the summary names every board's result, and the exit code is non-zero
 * when any board failed.
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { defineCommand, numberOption } from '../command';
import { EXIT, exitCodeFor, usageError } from '../exit-codes';
import { formatTable } from '../output';
import { selectBoards, boardLabel } from '../board-selection';
import { flashBoards, flashFile, flashResultJson, type BoardFlashResult, type StartFlash } from '../flash-runs';
import { BUILD_FLAG_OPTIONS, buildFlagsFrom, buildSourceFrom, isBuildSource, runBuild } from '../build-runs';
import { BOARD_OPTIONS } from '../board-options';

export const flashCommand = defineCommand({
  name: 'flash',
  stage: 'flashing',
  summary:
    'Flashes an image (.bin, .hex, .uf2, .zip, .elf) to one or several boards, picking the method from the file and board as the app does, and verifies it. A .go file or a program folder is built first.',
  usage: 'flashdeck flash FILE [--port PATH]… [--board NAME]… [--all] [--target T] [--address A] [--baud N] [--erase-all]',
  notes: [
    'Several --port/--board options (or --all) flash the boards in parallel; one board failing does not stop the others.',
    'Exit code: 0 when every board was flashed and verified, 3 when any failed, 4 when the build failed, 2 for a usage error.',
    '',
    'Examples:',
    '  flashdeck flash build/app.bin --port /dev/ttyUSB0',
    '  flashdeck flash ./firmware --target esp32-coreboard-v2 --port /dev/ttyUSB0 --port /dev/ttyUSB1',
  ],
  options: {
    ...BOARD_OPTIONS,
    all: { type: 'boolean', description: 'Flash every connected board.' },
    address: { type: 'string', valueName: 'ADDR', description: 'Flash address for a raw .bin (e.g. 0x10000); images that carry their address need none.' },
    'erase-all': { type: 'boolean', description: 'Erase the whole flash first (ESP32).' },
    baud: { type: 'string', valueName: 'N', description: "ESP32: the baud to flash at after syncing at 115200 (default: Settings' ESP flash baud, 921600)." },
    force: { type: 'boolean', description: 'Flash where the app would ask you to confirm ("flash anyway"): an image made for another chip, or a text file written as raw data.' },
    ...BUILD_FLAG_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals, out, services, signal }) {
    const [argument] = positionals;
    const offset = numberOption('address', values.address, { min: 0, max: 0xffffffff, integer: true });
    const espFlashBaud = numberOption('baud', values.baud, { min: 9600, max: 4_000_000, integer: true });
    const building = isBuildSource(argument);
    if (!building && !existsSync(argument)) throw usageError(`There is no file ${argument}.`, 'Check the path of the image to flash.');
    const source = building ? buildSourceFrom(argument) : null;
    const flags = buildFlagsFrom(values);
    const app = await services();
    const boards = await selectBoards(app, { ports: values.port, boards: values.board, all: values.all, target: values.target });
    const file = resolve(argument);
    const start: StartFlash = source
      ? async (board) => {
          out.note(`${boardLabel(board)}: building ${argument}…`);
          const summary = await runBuild(app, board, source, flags, out, signal, true);
          if (!summary.flashJobId) throw usageError('The build did not start a flash.', 'Run flashdeck build, then flash its artifact.');
          return summary.flashJobId;
        }
      : flashFile(app, file, { offset, eraseAll: values['erase-all'], force: values.force, espFlashBaud });
    const results = await flashBoards(app, boards, start, out, signal);
    out.document({ ok: results.every((result) => result.ok), exitCode: exitFor(results), boards: results.map(flashResultJson) });
    printSummary(results, (line) => out.line(line));
    return exitFor(results);
  },
});

function exitFor(results: BoardFlashResult[]) {
  const failed = results.filter((result) => !result.ok);
  if (!failed.length) return EXIT.ok;
  if (failed.every((result) => result.error?.code === 'CANCELLED')) return EXIT.interrupted;
  const codes = failed.map((result) => (result.error ? exitCodeFor(result.error) : EXIT.board));
  // One board: its own reason (a build error is 4); several: any failure is a board failure.
  return results.length === 1 ? codes[0] : EXIT.board;
}

function printSummary(results: BoardFlashResult[], print: (line: string) => void): void {
  if (results.length === 1) {
    const [result] = results;
    if (result.ok) {
      const details = result.outcome?.details ?? {};
      const where = details.chip ? ` (${details.chip}${details.address ? ` at ${details.address}` : ''})` : '';
      print(`Flashed ${boardLabel(result.board)}${where} in ${seconds(result.durationMs)}, verified by ${result.outcome?.verifiedBy ?? 'the driver'}.`);
    } else printFailures([result], print);
    return;
  }
  print(
    formatTable(
      ['BOARD', 'RESULT', 'TIME', 'VERIFIED', 'DETAIL'],
      results.map((result) => [
        boardLabel(result.board),
        result.ok ? 'ok' : 'FAILED',
        seconds(result.durationMs),
        result.outcome?.verifiedBy ?? '-',
        result.ok ? (result.outcome?.details.chip ?? '') : (result.error?.code ?? 'failed'),
      ]),
    ),
  );
  const failed = results.filter((result) => !result.ok);
  print(failed.length ? `${failed.length} of ${results.length} boards failed:` : `All ${results.length} boards were flashed and verified.`);
  printFailures(failed, print);
}

function printFailures(failed: BoardFlashResult[], print: (line: string) => void): void {
  for (const result of failed) {
    print(`${boardLabel(result.board)}: ${result.error?.message ?? 'the flash failed.'}`);
    if (result.error?.hint) print(`  Next step: ${result.error.hint}`);
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
