/**
 * A subcommand: its options (with the words `--help` prints), how many positionals it takes, and
 * what it does. Arguments are parsed with node's util.parseArgs; every parse mistake becomes a
 * usage error with the command's own usage line as the next step.
 */
import type { Stage } from '../contract-values';
import { parseArgs } from 'node:util';
import type { AppServices } from '../services/app-services';
import type { Output } from './output';
import { usageError, type ExitCode } from './exit-codes';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Shown in --help: "--port PATH" uses valueName PATH. */
  valueName?: string;
  description: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

/** Options every command takes. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', description: 'Print one JSON document on stdout instead of text (errors too).' },
  'data-dir': { type: 'string', valueName: 'DIR', description: "Flashdeck's data folder (board names, history); default: the app's." },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
} as const satisfies OptionSpecs;

type ValueOf<S extends OptionSpec> = S['type'] extends 'boolean' ? boolean : S['multiple'] extends true ? string[] : string;
export type ParsedValues<S extends OptionSpecs> = { [K in keyof S]?: ValueOf<S[K]> } & { [K in keyof typeof COMMON_OPTIONS]?: ValueOf<(typeof COMMON_OPTIONS)[K]> };

export interface CommandContext<S extends OptionSpecs> {
  values: ParsedValues<S>;
  positionals: string[];
  out: Output;
  /** The services, started on first use (`boards --help` never opens the database). */
  services(): Promise<AppServices>;
  /** Aborted on Ctrl-C / SIGTERM: commands cancel their jobs and return EXIT.interrupted. */
  signal: AbortSignal;
}

export interface Command<S extends OptionSpecs = OptionSpecs> {
  name: string;
  /** The stage an error that escapes the command is reported under. */
  stage: Stage;
  aliases?: string[];
  summary: string;
  /** "flashdeck flash FILE [--port PATH]…" */
  usage: string;
  /** Lines after the options in --help (examples, what the output means). */
  notes?: string[];
  options: S;
  positionals: { min: number; max: number };
  run(context: CommandContext<S>): Promise<ExitCode>;
}

/** Keeps each command's option types when commands are collected in one list. */
export function defineCommand<S extends OptionSpecs>(command: Command<S>): Command<S> {
  return command;
}

export function parseCommandArgs<S extends OptionSpecs>(command: Command<S>, args: string[]): { values: ParsedValues<S>; positionals: string[] } {
  const specs: OptionSpecs = { ...COMMON_OPTIONS, ...command.options };
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, { type, multiple, short }]) => [name, { type, ...(multiple ? { multiple } : {}), ...(short ? { short } : {}) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(`${(error as Error).message.replace(/\s*To specify a positional argument.*$/s, '')}`, `Usage: ${command.usage} (see flashdeck ${command.name} --help).`);
  }
  const { values, positionals } = parsed;
  if (!values.help && (positionals.length < command.positionals.min || positionals.length > command.positionals.max)) {
    const expected = command.positionals.min === command.positionals.max ? `${command.positionals.min}` : `${command.positionals.min} to ${command.positionals.max}`;
    throw usageError(`flashdeck ${command.name} takes ${expected} argument(s) besides options; it got ${positionals.length}.`, `Usage: ${command.usage}`);
  }
  return { values: values as ParsedValues<S>, positionals };
}

/** `flashdeck <command> --help`. */
export function commandHelp(command: Command): string {
  const specs: OptionSpecs = { ...command.options, ...COMMON_OPTIONS };
  const rows = Object.entries(specs).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : ''}${spec.multiple ? ' …' : ''}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(...rows.map(([flag]) => flag.length)) + 2;
  return [
    `Usage: ${command.usage}`,
    '',
    command.summary,
    '',
    'Options:',
    ...rows.map(([flag, description]) => `  ${flag.padEnd(width)}${description}`),
    ...(command.notes?.length ? ['', ...command.notes] : []),
  ].join('\n');
}

/** A number option: integer in range, or a usage error naming the option. */
export function numberOption(name: string, raw: string | undefined, range: { min: number; max: number; integer?: boolean }): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^0x[0-9a-f]+$/i.test(raw) ? parseInt(raw, 16) : Number(raw);
  if (!Number.isFinite(value) || value < range.min || value > range.max || (range.integer && !Number.isInteger(value))) {
    throw usageError(
      `--${name} ${raw} is not a ${range.integer ? 'whole ' : ''}number from ${range.min} to ${range.max}.`,
      `Give --${name} a number, e.g. --${name} ${range.min}.`,
    );
  }
  return value;
}

/** A regular expression option, or a usage error that quotes the engine's complaint. */
export function regexOption(name: string, raw: string | undefined): RegExp | undefined {
  if (raw === undefined) return undefined;
  try {
    return new RegExp(raw);
  } catch (error) {
    throw usageError(`--${name} is not a valid regular expression: ${(error as Error).message}.`, `Quote it for your shell, e.g. --${name} '^PASS$'.`);
  }
}
