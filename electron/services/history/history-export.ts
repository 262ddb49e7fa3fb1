/**
 * The size history as files: CSV (one row per build and package, so a spreadsheet can pivot it)
 * and JSON (builds with their packages nested).
 */
import type { HistoryExportFormat } from '../../contract';
import type { ExportedBuild } from '../store/size-history';

const BUILD_COLUMNS = [
  'build_id',
  'started_at',
  'program',
  'program_path',
  'git_commit',
  'git_dirty',
  'target',
  'tinygo_version',
  'flags',
  'ok',
  'code',
  'rodata',
  'data',
  'bss',
  'flash',
  'ram',
  'artifact_bytes',
  'artifact_sha256',
  'overflow_region',
  'overflow_bytes',
  'overflow_lower_bound',
  'experiment_id',
  'error',
] as const;
const PACKAGE_COLUMNS = ['package', 'package_kind', 'package_code', 'package_rodata', 'package_data', 'package_bss', 'package_flash', 'package_ram'] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text = typeof value === 'boolean' ? (value ? 'true' : 'false') : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function historyCsv(builds: ExportedBuild[]): string {
  const lines = [[...BUILD_COLUMNS, ...PACKAGE_COLUMNS].join(',')];
  for (const b of builds) {
    const base = [
      b.id,
      new Date(b.startedAt).toISOString(),
      b.program,
      b.programPath,
      b.gitCommit,
      b.gitDirty,
      b.target,
      b.tinygoVersion,
      b.flagArgs.join(' '),
      b.ok,
      b.code,
      b.rodata,
      b.data,
      b.bss,
      b.flash,
      b.ram,
      b.artifactBytes,
      b.artifactSha256,
      b.overflowRegion,
      b.overflowBytes,
      b.overflowLowerBound,
      b.experimentId,
      b.error,
    ].map(csvField);
    if (b.packages.length === 0) lines.push([...base, ...PACKAGE_COLUMNS.map(() => '')].join(','));
    for (const p of b.packages) lines.push([...base, ...[p.name, p.kind, p.code, p.rodata, p.data, p.bss, p.flash, p.ram].map(csvField)].join(','));
  }
  return lines.join('\r\n') + '\r\n';
}

export function historyJson(boardId: string, builds: ExportedBuild[], exportedAt = Date.now()): string {
  return (
    JSON.stringify(
      {
        format: 'flashdeck-size-history',
        version: 1,
        boardId,
        exportedAt: new Date(exportedAt).toISOString(),
        builds: builds.map(({ overBudget, ...b }) => ({ ...b, startedAt: new Date(b.startedAt).toISOString(), overBudget })),
      },
      null,
      2,
    ) + '\n'
  );
}

export function exportHistory(boardId: string, builds: ExportedBuild[], format: HistoryExportFormat, now = Date.now()) {
  const stamp = new Date(now).toISOString().slice(0, 10);
  const safe = boardId.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
  return format === 'csv'
    ? { fileName: `flashdeck-size-history-${safe}-${stamp}.csv`, mimeType: 'text/csv', text: historyCsv(builds), builds: builds.length }
    : { fileName: `flashdeck-size-history-${safe}-${stamp}.json`, mimeType: 'application/json', text: historyJson(boardId, builds, now), builds: builds.length };
}
