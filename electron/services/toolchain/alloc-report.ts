/**
 * `-print-allocs=<regexp>` output (stderr, reference 3): one line per heap allocation,
 * `<pos>: object allocated on the heap: <reason>`, and the Go cover-profile shape that 0.41 printed
 * instead (and 0.42's `-print-allocs-cover` prints): `file:l1.c1,l2.c2 1 0`.
 */

export type AllocReason = 'escapes' | 'size-not-constant' | 'too-large' | 'unspecified' | 'other';

export interface HeapAllocation {
  /** Absolute path as TinyGo prints it (Windows paths included), or null for `-` (no location). */
  file: string | null;
  line?: number;
  column?: number;
  /** End of the range in the cover format. */
  endLine?: number;
  endColumn?: number;
  reason: AllocReason;
  /** The reason text as printed ("escapes at line 30"); empty for the cover format. */
  detail: string;
  /** For `escapes at line N`; absent for `escapes at unknown line`. */
  escapesAtLine?: number;
  /** For `object size N exceeds maximum stack allocation size M`. */
  objectSize?: number;
  maxStackAllocation?: number;
  format: 'reason' | 'cover';
}

const REASON_LINE = /^(.*?): object allocated on the heap: (.*)$/;
const POSITION = /^(.*?):(\d+)(?::(\d+))?$/;
const COVER_LINE = /^(.+):(\d+)\.(\d+),(\d+)\.(\d+) (\d+) (\d+)$/;
const ESCAPES_AT = /^escapes at line (\d+)$/;
const TOO_LARGE = /(?:^|\s)(?:object )?size (\d+) exceeds maximum stack allocation size (\d+)$/;

/** Parses every allocation line in `output`; other lines (diagnostics, size table) are skipped. */
export function parseAllocReport(output: string): HeapAllocation[] {
  const out: HeapAllocation[] = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.trimEnd();
    const reasonLine = REASON_LINE.exec(line);
    if (reasonLine) {
      out.push(withReason(parsePosition(reasonLine[1]), reasonLine[2]));
      continue;
    }
    const cover = COVER_LINE.exec(line);
    if (cover) {
      out.push({
        file: cover[1],
        line: Number(cover[2]),
        column: Number(cover[3]),
        endLine: Number(cover[4]),
        endColumn: Number(cover[5]),
        reason: 'unspecified',
        detail: '',
        format: 'cover',
      });
    }
  }
  return out;
}

function parsePosition(pos: string): Pick<HeapAllocation, 'file' | 'line' | 'column'> {
  if (pos === '-' || pos === '') return { file: null };
  const m = POSITION.exec(pos);
  if (!m) return { file: pos };
  return { file: m[1], line: Number(m[2]), ...(m[3] ? { column: Number(m[3]) } : {}) };
}

function withReason(position: Pick<HeapAllocation, 'file' | 'line' | 'column'>, detail: string): HeapAllocation {
  const base: HeapAllocation = { ...position, reason: 'other', detail, format: 'reason' };
  if (detail === 'size is not constant') return { ...base, reason: 'size-not-constant' };
  if (detail === 'escapes at unknown line') return { ...base, reason: 'escapes' };
  const escapes = ESCAPES_AT.exec(detail);
  if (escapes) return { ...base, reason: 'escapes', escapesAtLine: Number(escapes[1]) };
  const large = TOO_LARGE.exec(detail);
  if (large) return { ...base, reason: 'too-large', objectSize: Number(large[1]), maxStackAllocation: Number(large[2]) };
  return base;
}

/** Human sentence for one allocation, for the Programs tab list. */
export function describeAllocation(a: HeapAllocation): string {
  switch (a.reason) {
    case 'escapes':
      return a.escapesAtLine !== undefined ? `escapes to the heap at line ${a.escapesAtLine}` : 'escapes to the heap (line unknown)';
    case 'size-not-constant':
      return 'size is only known at run time';
    case 'too-large':
      return `${a.objectSize ?? '?'} bytes is larger than the ${a.maxStackAllocation ?? '?'}-byte stack allocation limit`;
    case 'unspecified':
      return 'allocates on the heap';
    default:
      return a.detail;
  }
}
