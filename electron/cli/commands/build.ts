/**
 * `flashdeck build` and `flashdeck size`: build a program with the user's TinyGo through the app's
 * build service (recorded in the same size history as the window's builds) and print where the
 * artifact is and how much flash and RAM it takes; `size --full` adds the per-package rows.
 */
import type { BuildSummary } from '../../contract';
import { defineCommand, type CommandContext } from '../command';
import { EXIT } from '../exit-codes';
import { formatTable } from '../output';
import { selectBoards, boardLabel } from '../board-selection';
import { BUILD_FLAG_OPTIONS, buildFlagsFrom, buildSourceFrom, runBuild } from '../build-runs';
import { BOARD_OPTIONS } from '../board-options';

const OPTIONS = { ...BOARD_OPTIONS, ...BUILD_FLAG_OPTIONS };
const SIZE_OPTIONS = { ...OPTIONS, full: { type: 'boolean', description: 'Also print the size of every package (when TinyGo reports them).' } } as const;

async function buildAndReport(context: CommandContext<typeof SIZE_OPTIONS>, full: boolean) {
  const { values, positionals, out, services, signal } = context;
  const source = buildSourceFrom(positionals[0]);
  const flags = buildFlagsFrom(values);
  const app = await services();
  // --target alone: a build for the target with no board (a CI size check); with a board, its target.
  const boardless = values.target && !values.port?.length && !values.board?.length;
  const board = boardless ? { target: values.target! } : (await selectBoards(app, { ports: values.port, boards: values.board, target: values.target }))[0];
  out.note(`Building ${positionals[0]} for ${'id' in board ? boardLabel(board) : board.target}…`);
  const summary = await runBuild(app, board, source, flags, out, signal);
  out.document({ ok: true, build: buildJson(summary) });
  out.line(`Built ${summary.program} for ${summary.target} in ${(summary.durationMs / 1000).toFixed(1)} s with TinyGo ${summary.tinygoVersion ?? '(unknown version)'}.`);
  if (summary.artifactPath) out.line(`Artifact: ${summary.artifactPath} (${summary.artifactBytes ?? '?'} bytes)`);
  if (summary.sizes) {
    const { flash, ram, code, data, bss } = summary.sizes;
    out.line(`Flash: ${flash} bytes (code ${code}, data ${data}); RAM: ${ram} bytes (data ${data}, bss ${bss}).`);
    if (full && summary.sizes.packages.length) {
      out.line();
      out.line(
        formatTable(
          ['FLASH', 'RAM', 'CODE', 'RODATA', 'DATA', 'BSS', 'PACKAGE'],
          summary.sizes.packages.map((row) => [row.flash, row.ram, row.code, row.rodata, row.data, row.bss].map(String).concat(row.name)),
        ),
      );
    } else if (full) out.line('TinyGo reported no per-package sizes for this build (it prints them with -size full from 0.32 on).');
  }
  for (const breach of summary.overBudget) out.line(`Over budget: ${breach.message}`);
  return EXIT.ok;
}

function buildJson(summary: BuildSummary) {
  const { buildId, boardId, program, target, artifactPath, artifactBytes, sizes, durationMs, tinygoVersion, args, historyId, overBudget, diagnostics } = summary;
  return { buildId, boardId, program, target, artifactPath, artifactBytes, sizes, durationMs, tinygoVersion, args, historyId, overBudget, diagnostics };
}

export const buildCommand = defineCommand({
  name: 'build',
  stage: 'build',
  summary: "Builds a TinyGo program (a folder, a .go file or a bundled program) for a board's target with the TinyGo the app uses; the build goes into the size history.",
  usage: 'flashdeck build DIR|FILE.go [--port PATH | --board NAME] [--target T] [tinygo options]',
  notes: [
    'With --target and no board, builds for the target alone (history: flashdeck history --target T).',
    'Exit code: 0 built, 4 the build failed or TinyGo is missing, 3 no such board, 2 usage error.',
  ],
  options: OPTIONS,
  positionals: { min: 1, max: 1 },
  run: (context) => buildAndReport(context as CommandContext<typeof SIZE_OPTIONS>, false),
});

export const sizeCommand = defineCommand({
  name: 'size',
  stage: 'build',
  summary: 'Builds a program and prints its flash and RAM use (the size table TinyGo reports); --full adds every package.',
  usage: 'flashdeck size DIR|FILE.go [--port PATH | --board NAME] [--target T] [--full] [tinygo options]',
  notes: [
    'With --target and no board, builds for the target alone (no board needs to be connected).',
    'Exit code: 0 built, 4 the build failed or TinyGo is missing, 3 no such board, 2 usage error.',
  ],
  options: SIZE_OPTIONS,
  positionals: { min: 1, max: 1 },
  run: (context) => buildAndReport(context, Boolean(context.values.full)),
});
