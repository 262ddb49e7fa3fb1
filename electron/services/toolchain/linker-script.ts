/**
 * The MEMORY regions of a TinyGo target's linker script (`targets/*.ld`): name, ORIGIN and LENGTH,
 * following `INCLUDE` (relative to TINYGOROOT, as TinyGo's scripts write them, or to the including
 * script). ORIGIN/LENGTH are GNU ld expressions: numbers in hex, octal or decimal with a K/M
 * suffix, + - * / % ( ), and ORIGIN(x)/LENGTH(x) of regions defined before. Top-level constant
 * assignments (`_stack_size = 4K;`) are kept too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface MemoryRegion {
  name: string;
  /** The attribute letters in parentheses, e.g. "rw", "xrw", "rx". */
  attributes: string;
  origin: number;
  length: number;
}

export interface LinkerScriptMemory {
  /** In order of definition across the script and what it includes. */
  regions: MemoryRegion[];
  /** Constant top-level symbol assignments, e.g. {_stack_size: 4096}. */
  symbols: Record<string, number>;
  /** Every file read, the script first. */
  files: string[];
}

export class LinkerScriptError extends Error {}

/** Removes C comments and the `#` line comments TinyGo's scripts use. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/^\s*#.*$/gm, ' ');
}

/** Evaluates a GNU ld constant expression. */
export function evaluateExpression(expression: string, regions: ReadonlyMap<string, MemoryRegion> = new Map(), symbols: Record<string, number> = {}): number {
  const tokens = expression.match(/0[xX][0-9a-fA-F]+[kKmM]?|\d+[kKmM]?|[A-Za-z_.][A-Za-z0-9_.]*|[-+*/%()]|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const fail = (why: string): never => {
    throw new LinkerScriptError(`Cannot evaluate "${expression.trim()}": ${why}.`);
  };
  const primary = (): number => {
    const token = next();
    if (token === undefined) return fail('it ends early');
    if (token === '(') {
      const value = sum();
      if (next() !== ')') fail('a parenthesis is not closed');
      return value;
    }
    if (token === '-') return -primary();
    if (token === '+') return primary();
    const number = /^(0[xX][0-9a-fA-F]+|\d+)([kKmM]?)$/.exec(token);
    if (number) {
      const [, digits, suffix] = number;
      const base = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : /^0\d/.test(digits) ? parseInt(digits, 8) : parseInt(digits, 10);
      return base * (suffix.toLowerCase() === 'k' ? 1024 : suffix.toLowerCase() === 'm' ? 1024 * 1024 : 1);
    }
    if (/^(ORIGIN|LENGTH)$/.test(token)) {
      if (next() !== '(') fail(`${token} needs a region in parentheses`);
      const name = next();
      if (next() !== ')') fail(`${token}(${name} is not closed`);
      const region = regions.get(name) ?? fail(`there is no region ${name} before it`);
      return token === 'ORIGIN' ? region.origin : region.length;
    }
    if (token in symbols) return symbols[token];
    return fail(`"${token}" is not a number, a region or a known symbol`);
  };
  const product = (): number => {
    let value = primary();
    while (peek() === '*' || peek() === '/' || peek() === '%') {
      const op = next();
      const right = primary();
      value = op === '*' ? value * right : op === '/' ? Math.floor(value / right) : value % right;
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === '+' || peek() === '-') value = next() === '+' ? value + product() : value - product();
    return value;
  };
  const value = sum();
  if (i < tokens.length) fail(`unexpected "${tokens[i]}"`);
  return value;
}

const REGION =
  /([A-Za-z_][A-Za-z0-9_]*)\s*(?:\(\s*([!A-Za-z]*)\s*\))?\s*:\s*(?:ORIGIN|org|o)\s*=\s*([^,]+?)\s*,\s*(?:LENGTH|len|l)\s*=\s*([^\n;]+?)\s*(?=\n|$|[A-Za-z_][A-Za-z0-9_]*\s*(?:\([^)]*\))?\s*:)/g;

/** Parses one script's text (no includes): its regions, symbols and the files it includes, in order. */
export function parseLinkerScriptText(
  text: string,
  known: { regions: Map<string, MemoryRegion>; symbols: Record<string, number> } = { regions: new Map(), symbols: {} },
): { steps: ({ include: string } | { region: MemoryRegion } | { symbol: string; value: number })[] } {
  const clean = stripComments(text);
  const steps: ({ include: string } | { region: MemoryRegion } | { symbol: string; value: number })[] = [];
  // Walk the top level: MEMORY blocks, INCLUDE lines and assignments outside braces, in order.
  let depth = 0;
  let statement = '';
  for (let i = 0; i < clean.length; i++) {
    const c = clean[i];
    if (depth === 0) {
      const memory = /^MEMORY\s*\{/.exec(clean.slice(i));
      if (memory && /(^|[\s;}])$/.test(clean.slice(Math.max(0, i - 1), i) || ' ')) {
        const end = clean.indexOf('}', i + memory[0].length);
        if (end < 0) throw new LinkerScriptError('A MEMORY block is not closed.');
        for (const m of clean.slice(i + memory[0].length, end).matchAll(REGION)) {
          const region: MemoryRegion = {
            name: m[1],
            attributes: m[2] ?? '',
            origin: evaluateExpression(m[3], known.regions, known.symbols),
            length: evaluateExpression(m[4].replace(/,\s*$/, ''), known.regions, known.symbols),
          };
          known.regions.set(region.name, region);
          steps.push({ region });
        }
        i = end;
        statement = '';
        continue;
      }
      const include = /^INCLUDE\s+("([^"]+)"|(\S+))/.exec(clean.slice(i));
      if (include && /(^|[\s;}])$/.test(clean.slice(Math.max(0, i - 1), i) || ' ')) {
        steps.push({ include: include[2] ?? include[3] });
        i += include[0].length - 1;
        statement = '';
        continue;
      }
    }
    if (c === '{') depth++;
    else if (c === '}') {
      depth = Math.max(0, depth - 1);
      statement = '';
    } else if (depth === 0 && c === ';') {
      const assignment = /^\s*([A-Za-z_.][A-Za-z0-9_.]*)\s*=\s*(.+)$/s.exec(statement);
      if (assignment) {
        try {
          const value = evaluateExpression(assignment[2], known.regions, known.symbols);
          known.symbols[assignment[1]] = value;
          steps.push({ symbol: assignment[1], value });
        } catch {
          // Not a constant (refers to sections or addresses only the linker knows): not needed here.
        }
      }
      statement = '';
    } else if (depth === 0) statement += c;
  }
  return { steps };
}

/**
 * Reads a script and everything it includes. `root` is TINYGOROOT: TinyGo writes includes as
 * "targets/arm.ld"; a path that is not found there is tried beside the including script.
 */
export async function readLinkerScriptMemory(file: string, root: string, read: (file: string) => Promise<string> = (f) => readFile(f, 'utf8')): Promise<LinkerScriptMemory> {
  const known = { regions: new Map<string, MemoryRegion>(), symbols: {} as Record<string, number> };
  const files: string[] = [];
  const visit = async (current: string, depth: number): Promise<void> => {
    if (depth > 16) throw new LinkerScriptError(`INCLUDE nests deeper than 16 levels at ${current}.`);
    if (files.includes(current)) throw new LinkerScriptError(`${current} includes itself.`);
    files.push(current);
    const { steps } = parseLinkerScriptText(await read(current), known);
    for (const step of steps) {
      if (!('include' in step)) continue;
      const candidates = path.isAbsolute(step.include) ? [step.include] : [path.join(root, step.include), path.join(path.dirname(current), step.include)];
      let found: string | undefined;
      for (const candidate of candidates) {
        try {
          await read(candidate);
          found = candidate;
          break;
        } catch {
          // try the next place
        }
      }
      if (!found) throw new LinkerScriptError(`${current} includes ${step.include}, which is neither in ${root} nor beside it.`);
      await visit(found, depth + 1);
    }
  };
  await visit(file, 0);
  return { regions: [...known.regions.values()], symbols: known.symbols, files };
}
