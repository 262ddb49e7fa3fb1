/**
 * Search in the console's scrollback: every line whose text contains the needle (case-insensitive),
 * newest match first, stepping with wrap-around. Matches are absolute line indexes, so they stay
 * right while new lines arrive (until the ring drops them).
 */

/** The lines searched: what LineRing offers. */
export interface SearchableLines {
  readonly first: number;
  readonly count: number;
  text(at: number): string;
}

/** Most matches kept: a search for "e" in 100,000 lines must not stall the window. */
export const MAX_MATCHES = 100_000;

export class ConsoleSearch {
  /** The lower-case needle the matches belong to ('' for none). */
  needle = '';
  matches: number[] = [];
  /** Index into `matches` of the current match, or -1. */
  current = -1;

  /**
   * Searches again when the text changed (or `direction` is 0), else steps to the next (1) or
   * previous (-1) match. Returns the line index to reveal, or null when nothing matches.
   */
  run(lines: SearchableLines, text: string, direction: 1 | -1 | 0): number | null {
    const needle = text.toLowerCase();
    if (needle !== this.needle || direction === 0) {
      this.needle = needle;
      this.matches = [];
      if (needle) {
        for (let i = 0; i < lines.count && this.matches.length < MAX_MATCHES; i++) {
          if (lines.text(i).toLowerCase().includes(needle)) this.matches.push(lines.first + i);
        }
      }
      this.current = this.matches.length - 1;
    } else if (this.matches.length) {
      this.current = (this.current + direction + this.matches.length) % this.matches.length;
    }
    return this.current >= 0 ? this.matches[this.current] : null;
  }

  /** Whether line `index` is the current match. */
  isCurrent(index: number): boolean {
    return this.current >= 0 && this.matches[this.current] === index;
  }

  /** The view was cleared: no matches, the needle stays. */
  forgetMatches(): void {
    this.matches = [];
    this.current = -1;
  }
}
