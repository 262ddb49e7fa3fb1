/**
 * The window writes its labels in sentence case (docs/ui-words.md): "Size history", not "Size History".
 * This reads every renderer/**\/*.svelte file and checks the literal words of each button, tab,
 * heading, summary, table header, term (dt), legend and aria-label. A label fails when it has two
 * or more capitalised words that are not names (Flashdeck, TinyGo, ESP32, UF2, BOOT, …) or the name
 * of another view it refers to ("Include … in Flash all"). Known offenders are listed in KNOWN, so
 * fixing one means deleting its entry (an entry that no longer matches fails too).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  BUDGET_WORDS,
  CONSOLE_FLOW_CONTROLS,
  CONSOLE_TIMESTAMPS,
  FLASH_METHODS,
  IMAGE_KINDS,
  LINE_ENDINGS,
  SIMULATED_BOARD_KINDS,
  SIMULATED_BUTTONS,
  STAGES,
  THEMES,
} from '../../electron/contract-values';
import { SHORTCUTS } from '../../renderer/lib/keymap';

const root = resolve(import.meta.dirname, '..', '..');

/** Labels in Title Case today, to be fixed (then deleted here): file relative to the repository, and the label text. */
const KNOWN: readonly { file: string; text: string }[] = [];

/** Capitalised words that are names, so they keep their capital inside a sentence-case label. */
const NAMES = new Set(['Flashdeck', 'Go', 'Nordic', 'Adafruit', 'Feather', 'Arduino', 'Teleplot', 'Intel', 'Linux', 'Windows', 'Bluetooth', 'Chromium', 'Electron']);
/** Views and tabs a label may name as they are written ("Include … in Flash all"). */
const VIEW_NAMES = ['Bench overview', 'Flash all', 'Size history', 'Recorded sessions', 'Flash tab', 'Console tab', 'Telemetry tab', 'Programs tab', 'Settings'];

/** Words written like "Title" (one capital, then lower case): acronyms (UF2, BOOT, MD5) and camel-cased names (TinyGo, nRF52, DevKitC) never count. */
function capitalisedWords(text: string): string[] {
  return text
    .split(/[^\p{L}\p{N}'’]+/u)
    .map((word) => word.replace(/['’]s?$/u, ''))
    .filter((word) => /^\p{Lu}\p{Ll}+$/u.test(word) && !NAMES.has(word));
}

/** Title Case: within one sentence, two or more capitalised words that are not names or views named after the first word. */
function isTitleCase(label: string): boolean {
  return label.split(/(?<=[.!?])\s+/).some((sentence) => {
    const trimmed = sentence.trim();
    const [first = '', ...rest] = trimmed.split(/\s+/);
    let tail = rest.join(' ');
    for (const view of VIEW_NAMES) tail = tail.split(view).join('…');
    return capitalisedWords(first).length + capitalisedWords(tail).length >= 2;
  });
}

/** Index just past the `}` closing the `{` at `start`, skipping quoted strings (Svelte expressions hold `>` and `}` in strings and arrows). */
function skipBraces(source: string, start: number): number {
  let depth = 0;
  for (let i = start; i < source.length; i++) {
    const c = source[i];
    if (c === '"' || c === "'" || c === '`') i = skipString(source, i);
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return source.length;
}

function skipString(source: string, start: number): number {
  const quote = source[start];
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === '\\') i++;
    else if (quote === '`' && source[i] === '$' && source[i + 1] === '{') i = skipBraces(source, i + 1) - 1;
    else if (source[i] === quote) return i;
  }
  return source.length;
}

/** Index just past the `>` ending the tag opened at `start` (attributes may hold `{() => …}` and quoted `>`). */
function skipTag(source: string, start: number): number {
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === '{') i = skipBraces(source, i) - 1;
    else if (c === '"' || c === "'") i = skipString(source, i);
    else if (c === '>') return i + 1;
  }
  return source.length;
}

/** The string literals of a JS expression, template holes written as "…". */
function stringLiterals(expression: string): string[] {
  const found: string[] = [];
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c !== '"' && c !== "'" && c !== '`') continue;
    const end = skipString(expression, i);
    let text = expression.slice(i + 1, end);
    if (c === '`') text = text.replace(/\$\{[^}]*\}/g, '…');
    found.push(text);
    i = end;
  }
  return found;
}

/** What an element's content says: its literal text (child tags dropped, expressions as "…"), plus each string literal in its expressions. */
function contentLabels(content: string): string[] {
  let text = '';
  const literals: string[] = [];
  for (let i = 0; i < content.length; i++) {
    const c = content[i];
    if (c === '<' && /[A-Za-z/!]/.test(content[i + 1] ?? '')) i = skipTag(content, i) - 1;
    else if (c === '{') {
      const end = skipBraces(content, i);
      literals.push(...stringLiterals(content.slice(i + 1, end - 1)));
      text += ' … ';
      i = end - 1;
    } else text += c;
  }
  return [text, ...literals].map((label) => label.replace(/\s+/g, ' ').trim()).filter((label) => /\p{L}/u.test(label));
}

interface FoundLabel {
  line: number;
  what: string;
  text: string;
}

const LABELLED = /^(button|h[1-6]|summary|th|dt|legend)$/;

/** Every label of one Svelte file: element content of LABELLED tags and of role="tab", aria-label values, and the names in a `TABS` list. */
function labelsOf(source: string): FoundLabel[] {
  const found: FoundLabel[] = [];
  const lineAt = (index: number) => source.slice(0, index).split('\n').length;
  const add = (index: number, what: string, texts: string[]) => texts.forEach((text) => found.push({ line: lineAt(index), what, text }));

  for (const match of source.matchAll(/<([a-zA-Z][\w-]*)\b/g)) {
    const start = match.index;
    const tag = match[1];
    const openEnd = skipTag(source, start);
    const attributes = source.slice(start, openEnd);
    const isTab = /\brole=["']tab["']/.test(attributes);
    if ((!LABELLED.test(tag) && !isTab) || attributes.endsWith('/>')) continue;
    const close = new RegExp(`</${tag}\\s*>`, 'g');
    close.lastIndex = openEnd;
    const closing = close.exec(source);
    if (closing) add(start, isTab ? 'tab' : tag, contentLabels(source.slice(openEnd, closing.index)));
  }

  for (const match of source.matchAll(/aria-label=(?:"([^"]*)"|\{)/g)) {
    if (match[1] !== undefined) add(match.index, 'aria-label', [match[1]]);
    else {
      const open = match.index + match[0].length - 1;
      add(match.index, 'aria-label', stringLiterals(source.slice(open + 1, skipBraces(source, open) - 1)));
    }
  }

  for (const match of source.matchAll(/\bTABS\s*=\s*\[([^\]]*)\]/g)) add(match.index, 'tab', stringLiterals(match[1]));
  return found.filter((label) => /\p{L}/u.test(label.text));
}

function svelteFiles(): string[] {
  return (readdirSync(join(root, 'renderer'), { recursive: true }) as string[])
    .filter((file) => file.endsWith('.svelte'))
    .map((file) => join(root, 'renderer', file))
    .sort();
}

describe('labels in sentence case (docs/ui-words.md)', () => {
  it('tells Title Case from sentence case, names and acronyms', () => {
    for (const bad of ['Size History', 'Bench Overview', 'Reset Board', 'Connect Console', 'Show All Builds', 'Flash Progress of …', 'Compare With The Build Before'])
      expect(isTitleCase(bad), bad).toBe(true);
    for (const good of [
      'Size history',
      'Bench overview',
      'Settings',
      'Export CSV',
      'Press EN',
      'Hold BOOT, tap EN',
      'Add a simulated ESP32 (no hardware needed)',
      'Board model (TinyGo target)',
      'Include … in Flash all',
      'Static RAM',
      'Flash / RAM',
      "Simulated board's buttons",
      'Erase nRF52840 flash',
      'Flashdeck',
      'Saved. Check again',
    ])
      expect(isTitleCase(good), good).toBe(false);
  });

  it('reads the labels out of Svelte markup, around arrows, expressions and split closing tags', () => {
    const texts = labelsOf(
      [
        '<button class:primary={x > 1} onclick={() => (open = !open)}>Show All Builds</button',
        '>',
        "<button onclick={copy}>{copied ? 'Copied' : 'Copy Details'}</button>",
        '<div role="tab" aria-selected={a}>Size History</div>',
        '<span aria-label={`Open ${name} Now`}></span><input aria-label="Flash Address" />',
        '<h3>Build #{id} <span class="muted" title="Not A Label">{n} B</span></h3>',
        "const TABS = ['Flash', 'Size History'] as const;",
        '<p>Plain Paragraph Text is not a label</p>',
      ].join('\n'),
    ).map((label) => label.text);
    expect(texts).toEqual(expect.arrayContaining(['Show All Builds', 'Copied', 'Copy Details', 'Size History', 'Open … Now', 'Flash Address', 'Build # … … B', 'Flash']));
    expect(texts.filter((text) => text === 'Size History')).toHaveLength(2);
    expect(texts.some((text) => text.includes('Not A Label') || text.includes('Plain Paragraph'))).toBe(false);
  });

  it('every button, tab, heading and aria-label in renderer/**/*.svelte is in sentence case (KNOWN lists the ones still to fix)', () => {
    const files = svelteFiles();
    const all = files.flatMap((path) => labelsOf(readFileSync(path, 'utf8')).map((label) => ({ file: relative(root, path).replaceAll('\\', '/'), ...label })));
    // The scan reads the real window: labels every user sees are among what it found (in whatever case they are written).
    expect(files.length).toBeGreaterThan(20);
    for (const seen of ['Bench overview', 'Size history', 'Copy details', 'Flash progress', 'Connect', 'Recent flashes', 'Board tools'])
      expect(
        all.some((label) => label.text.toLowerCase() === seen.toLowerCase()),
        seen,
      ).toBe(true);

    const violations = all.filter((label) => isTitleCase(label.text));
    const known = (label: { file: string; text: string }) => KNOWN.some((entry) => entry.file === label.file && entry.text === label.text);
    expect(
      violations.filter((label) => !known(label)).map((label) => `${label.file}:${label.line} ${label.what} "${label.text}"`),
      'labels in Title Case: write them in sentence case (docs/ui-words.md)',
    ).toEqual([]);
    expect(
      KNOWN.filter((entry) => !violations.some((label) => label.file === entry.file && label.text === entry.text)),
      'KNOWN entries that are fixed (or gone): delete them',
    ).toEqual([]);
  });

  it('the word maps the window shows (electron/contract-values.ts, the keyboard shortcuts) are in sentence case', () => {
    const maps = { STAGES, FLASH_METHODS, IMAGE_KINDS, SIMULATED_BOARD_KINDS, SIMULATED_BUTTONS, THEMES, LINE_ENDINGS, CONSOLE_FLOW_CONTROLS, CONSOLE_TIMESTAMPS };
    const titled = Object.entries(maps).flatMap(([map, words]) =>
      Object.entries(words as Record<string, string>)
        .filter(([, text]) => isTitleCase(text))
        .map(([key, text]) => `${map}.${key} "${text}"`),
    );
    for (const [kind, words] of Object.entries(BUDGET_WORDS)) {
      for (const text of [words.name, words.label, words.help]) if (isTitleCase(text)) titled.push(`BUDGET_WORDS.${kind} "${text}"`);
    }
    for (const shortcut of SHORTCUTS) if (isTitleCase(shortcut.label)) titled.push(`SHORTCUTS ${shortcut.key} "${shortcut.label}"`);
    expect(titled).toEqual([]);
  });
});
