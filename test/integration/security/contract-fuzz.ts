/**
 * Payload generators for fuzzing the contract (issue 14): for any request schema, random values of
 * the right shape (so handlers really run), the same shapes with hostile leaves (path traversal,
 * NUL bytes, `__proto__` keys, huge strings, absurd numbers, deep nesting), and plain garbage.
 * The schema is read, never copied: a new request is fuzzed without touching this file.
 */
import fc from 'fast-check';
import type { z } from 'zod';
import { errorInfoSchema } from '../../../electron/contract';

/** Strings every request field may receive: the canary folder's files and ways out of any folder. */
export function hostileStrings(canary: string, boardIds: readonly string[]): string[] {
  return [
    '',
    ' ',
    '.',
    '..',
    '../../../../../../etc/passwd',
    '..\\..\\..\\Windows\\System32\\drivers\\etc\\hosts',
    `${canary}/victim.bin`,
    `${canary}/victim.bin\0.go`,
    `${canary}/../${canary.split('/').pop()}/victim.hex`,
    `${canary}/sub/../../${canary.split('/').pop()}/victim.uf2`,
    `${canary}/program`,
    `${canary}/program/main.go`,
    `${canary}`,
    'a\0b',
    '\0',
    '/dev/zero',
    '/dev/null',
    '/dev/ttyFUZZ0',
    '/proc/self/mem',
    'COM1',
    '\\\\.\\COM1',
    'CON',
    'NUL',
    'file:///etc/passwd',
    'http://127.0.0.1:1/',
    '$(touch PWNED-fuzz)',
    '`touch PWNED-fuzz`',
    '; touch PWNED-fuzz',
    '-o/tmp/PWNED-fuzz',
    '--help',
    '__proto__',
    'constructor',
    'prototype',
    'x'.repeat(5000),
    'y'.repeat(70_000),
    '😀'.repeat(300),
    '\u202e\u200b\ufeff',
    '%00%2e%2e%2f',
    '0x4000_0000',
    ...boardIds,
  ];
}

export const ABSURD_NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.5,
  2 ** 31,
  -(2 ** 31),
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  Number.MIN_VALUE,
  NaN,
  Infinity,
  -Infinity,
  0x4000_0000,
  0x4000_0001,
];

/** A value nested `depth` levels deep in arrays or objects. */
export function deeplyNested(depth: number, asObject: boolean): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = asObject ? { a: value } : [value];
  return value;
}

/** An object whose keys try to reach prototypes, as JSON.parse builds it (own `__proto__` key). */
export function prototypeKeys(inner: unknown): unknown {
  return JSON.parse(`{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "value": ${JSON.stringify(inner ?? null)}}`);
}

type Def = { type: string; [key: string]: any };
const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

export interface FuzzPools {
  strings: readonly string[];
  /** Valid values that let a payload through to its handler: board ids, a program folder, a bundled program. */
  likely: readonly string[];
  /** Integers that name real rows and jobs (1, 2, …) so lookups sometimes hit. */
  ids: readonly number[];
}

/** Any value at all, hostile ones often. */
export function garbage(pools: FuzzPools): fc.Arbitrary<unknown> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.anything({
        maxDepth: 4,
        withNullPrototype: true,
        withBigInt: false,
        withMap: true,
        withSet: true,
        withDate: true,
        withTypedArray: true,
        withSparseArray: true,
      }),
    },
    { weight: 2, arbitrary: fc.constantFrom(...pools.strings) },
    { weight: 1, arbitrary: fc.constantFrom(...ABSURD_NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, true, false, [], {}, () => 'fn', Symbol('s')) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 3000 }).chain((depth) => fc.boolean().map((asObject) => deeplyNested(depth, asObject))) },
    { weight: 1, arbitrary: fc.constant(null).map(() => prototypeKeys('x')) },
  );
}

/**
 * Values shaped by `schema`: each leaf is usually of the schema's type (drawn from the hostile pools
 * for strings and numbers) and sometimes garbage; objects sometimes miss keys or carry extra ones.
 */
export function shaped(schema: z.ZodType, pools: FuzzPools, depth = 0): fc.Arbitrary<unknown> {
  const def = defOf(schema);
  const wrong = garbage(pools);
  // Garbage less often deeper down, so payloads with many fields still sometimes pass validation.
  const mostly = (right: fc.Arbitrary<unknown>) => fc.oneof({ weight: depth === 0 ? 6 : 20, arbitrary: right }, { weight: 1, arbitrary: wrong });
  switch (def.type) {
    case 'object': {
      const keys = Object.keys(def.shape as Record<string, z.ZodType>);
      const fields = Object.fromEntries(keys.map((key) => [key, shaped(def.shape[key], pools, depth + 1)]));
      const object = fc.record(fields, { requiredKeys: keys.filter((key) => defOf(def.shape[key]).type !== 'optional') });
      return mostly(
        fc.oneof(
          { weight: 5, arbitrary: object },
          { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(object, fc.constantFrom('__proto__', 'constructor', 'extra', 'toString'))
              .map(([value, key]) => ({ ...(value as object), [key]: { polluted: true } })),
          },
          { weight: 1, arbitrary: object.map((value) => JSON.parse(`{"__proto__": {"polluted": true}, ${JSON.stringify(value).slice(1)}`.replace(/, }$/, '}'))) },
        ),
      );
    }
    case 'string':
      return mostly(
        fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(...pools.strings) },
          { weight: 3, arbitrary: fc.constantFrom(...pools.likely) },
          { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
          { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
        ),
      );
    case 'number':
      return mostly(fc.oneof(fc.constantFrom(...ABSURD_NUMBERS), fc.constantFrom(...pools.ids), fc.integer(), fc.double()));
    case 'boolean':
      return mostly(fc.boolean());
    case 'enum':
      return mostly(fc.constantFrom(...Object.values(def.entries as Record<string, string>)));
    case 'literal':
      return mostly(fc.constantFrom(...(def.values as unknown[])));
    case 'union':
      return fc.oneof(...(def.options as z.ZodType[]).map((option) => shaped(option, pools, depth + 1)));
    case 'array':
      return mostly(fc.array(shaped(def.element, pools, depth + 1), { minLength: 1, maxLength: depth > 1 ? 2 : 6 }));
    case 'record':
      return mostly(fc.dictionary(fc.constantFrom(...pools.strings.slice(0, 12)), shaped(def.valueType, pools, depth + 1), { maxKeys: 3 }));
    case 'optional':
      // Deeper down, leave optional fields out more often: a nested object then passes validation often enough to reach its handler.
      return fc.oneof({ weight: depth > 1 ? 3 : 1, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: shaped(def.innerType, pools, depth) });
    case 'nullable':
      return fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 4, arbitrary: shaped(def.innerType, pools, depth) });
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
      return shaped(def.innerType, pools, depth);
    case 'pipe':
      return shaped(def.in, pools, depth);
    default:
      return wrong;
  }
}

/** The payloads one request is fuzzed with: shaped by its schema most of the time, garbage otherwise. */
export function payloads(schema: z.ZodType, pools: FuzzPools): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 4, arbitrary: shaped(schema, pools) }, { weight: 1, arbitrary: garbage(pools) });
}

/**
 * What counts as a good answer: a value (the dispatcher already checked it against the result
 * schema) or a typed error that is neither a crash (INTERNAL) nor our own bad result (INVALID_RESULT).
 */
export function judgeReply(reply: unknown): string | null {
  if (typeof reply !== 'object' || reply === null) return `not a reply: ${String(reply)}`;
  const { ok, error } = reply as { ok?: unknown; error?: unknown };
  if (ok === true) return null;
  if (ok !== false) return 'reply has no ok flag';
  const parsed = errorInfoSchema.safeParse(error);
  if (!parsed.success) return `untyped error: ${JSON.stringify(error).slice(0, 300)}`;
  if (parsed.data.code === 'INTERNAL' || parsed.data.code === 'INVALID_RESULT') return `${parsed.data.code} at ${parsed.data.stage}: ${parsed.data.message.slice(0, 400)}`;
  if (!parsed.data.message.trim()) return `${parsed.data.code} has no sentence`;
  return null;
}
