/**
 * Declarative commands, in the shape of unjs/citty's `defineCommand({ meta, args, run })`: a
 * command declares its flags once, and from that one declaration come the parser, the typed
 * object `run` receives (a misspelt flag name is a compile error) and the `--help` text, wrapped
 * to the terminal. Every command answers `--help`, `-h`, `--version` and `--debug` the same way.
 *
 * This module and the definitions built with it stay light (no flows, protocol, writers or
 * third-party code): `--help` and `--version` load nothing else. A command's `run` imports what
 * it needs with `import()`.
 */
import { AdsOAuthError } from '../errors.js';
import { parseArgs, wrapText, type FlagSpec } from './args.js';
import type { CliContext } from './context.js';
import { ExitCode } from './exit-codes.js';
import { version } from './version.js';

interface ArgBase {
  description: string;
  /** Other accepted names, without dashes. The snake_case spelling of every name is accepted anyway. */
  aliases?: readonly string[];
  /** A one-letter name, e.g. `h` for `-h`. */
  short?: string;
  /** The value's placeholder in help, e.g. `PATH`. */
  value?: string;
  /** Parsed but not listed in help (a flag that is accepted only to be refused with a reason). */
  hidden?: boolean;
}

/** `--json`: true when given. Takes no value. */
export interface BooleanArg extends ArgBase {
  type: 'boolean';
}
/** `--port 8080` or `--port=8080`; given twice is an error. */
export interface StringArg extends ArgBase {
  type: 'string';
  default?: string;
  /** Missing → `USAGE`; a string (or a function of the command's name) is the message to show. */
  required?: boolean | string | ((name: string) => string);
}
/** `--config` alone (`true`), or `--config PATH` / `--config=PATH`; `--config=` is an error. */
export interface OptionalStringArg extends ArgBase {
  type: 'optional-string';
}
/** One or more values like Python's `nargs='+'`, `=`-joined, comma-separated or repeated: all accumulate. */
export interface ListArg extends ArgBase {
  type: 'list';
}
/** A bare argument, in declaration order. */
export interface PositionalArg extends ArgBase {
  type: 'positional';
  default?: string;
  required?: boolean | string | ((name: string) => string);
}

export type ArgDef = BooleanArg | StringArg | OptionalStringArg | ListArg | PositionalArg;
/** Flags by their kebab-case name (`client-secrets-path`). */
export type ArgsDef = Readonly<Record<string, ArgDef>>;

/** `client-secrets-path` → `clientSecretsPath`. */
export type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

type Required = { required: true | string | ((name: string) => string) } | { default: string };
/** The value `run` sees for one declared argument. */
export type ArgValue<A extends ArgDef> = A extends BooleanArg
  ? boolean
  : A extends OptionalStringArg
    ? string | true | undefined
    : A extends ListArg
      ? string[]
      : A extends Required
        ? string
        : string | undefined;

/** What `run` receives: one key per declared argument, camelCased, plus the common `debug`. */
export type ParsedArgs<A extends ArgsDef> = { -readonly [K in keyof A & string as CamelCase<K>]: ArgValue<A[K]> } & { debug: boolean };

/** An extra section of the help text, after the options. */
export interface HelpSection {
  title: string;
  /** Prose, re-wrapped to the width; a blank line separates paragraphs. */
  text?: string;
  /** A two-column table (name, meaning), laid out like the options. */
  rows?: ReadonlyArray<readonly [string, string]>;
  /** Lines shown as they are (commands to copy), indented. */
  lines?: readonly string[];
  /** Prose after the rows. */
  after?: string;
}

export interface CommandMeta {
  name: string;
  description: string;
  /** What follows the command's name on the usage line(s); generated when absent. */
  usage?: string | readonly string[];
  /** A one-line summary for a parent's command list (default: the description's first sentence). */
  summary?: string;
  sections?: readonly HelpSection[];
}

/** A subcommand whose definition loads only when it runs (or its help is asked for). */
export interface LazyCommand {
  summary: string;
  load: () => Promise<AnyCommand>;
}

export interface CommandDef<A extends ArgsDef = ArgsDef> {
  meta: CommandMeta;
  args: A;
  subCommands?: Readonly<Record<string, AnyCommand | LazyCommand>>;
  /** Without it, the command only dispatches to its subcommands (and shows its help when given none). */
  // A method, so that any command is a CommandDef<ArgsDef> (its parameter is checked bivariantly):
  // runCommand only ever passes what parseCommand built from the same definition.
  run?(args: ParsedArgs<A>, ctx: CliContext): Promise<number | void> | number | void;
}

/** A command of any arguments. */
export type AnyCommand = CommandDef<ArgsDef>;

/** Declares a command; the identity at run time, it gives `run` its typed arguments. */
export function defineCommand<const A extends ArgsDef>(def: CommandDef<A>): CommandDef<A> {
  return def;
}

/** The flags every command takes. */
export const COMMON_ARGS = {
  debug: { type: 'boolean', description: 'Show error causes and stack traces (never secrets).' },
  help: { type: 'boolean', short: 'h', description: 'Show this help.' },
  version: { type: 'boolean', description: 'Show the version.' },
} as const satisfies ArgsDef;

const camel = (name: string): string => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A command's arguments and the common ones, in help order. */
function allArgs(args: ArgsDef): Array<[string, ArgDef]> {
  const all: ArgsDef = { ...args, ...COMMON_ARGS };
  return Object.entries(all);
}

function flagSpecs(args: ArgsDef): FlagSpec[] {
  return allArgs(args).flatMap(([name, def]): FlagSpec[] =>
    def.type === 'positional'
      ? []
      : [
          {
            name,
            kind: def.type,
            description: def.description,
            ...(def.aliases ? { aliases: [...def.aliases] } : {}),
            ...(def.short ? { short: def.short } : {}),
            ...(def.value ? { value: def.value } : {}),
          },
        ],
  );
}

/**
 * Parses argv against a command's arguments into the object its `run` receives. `USAGE` errors:
 * an unknown flag (with a "Did you mean"), a missing or empty value, a string flag given twice, a
 * stray positional, a required argument missing. `help` and `version` are in the result too.
 */
export function parseCommand<A extends ArgsDef>(
  def: CommandDef<A>,
  argv: readonly string[],
  name = def.meta.name,
): ParsedArgs<A> & { help: boolean; version: boolean } {
  const { flags, positionals } = parseArgs(argv, flagSpecs(def.args));
  const out: Record<string, unknown> = {};
  const missing: Array<[string, StringArg | PositionalArg]> = [];
  let next = 0;
  for (const [key, arg] of allArgs(def.args)) {
    const value = arg.type === 'positional' ? positionals[next++] : flags[key];
    switch (arg.type) {
      case 'boolean':
        out[camel(key)] = value === true;
        break;
      case 'list':
        out[camel(key)] = Array.isArray(value) ? value : [];
        break;
      case 'optional-string':
        out[camel(key)] = value;
        break;
      case 'string':
      case 'positional':
        out[camel(key)] = value ?? arg.default;
        if (arg.required && value === undefined && arg.default === undefined) missing.push([key, arg]);
        break;
    }
  }
  if (positionals.length > next) {
    throw new AdsOAuthError(
      'USAGE',
      `Unexpected argument ${JSON.stringify(positionals[next])}. Flags take the form --name=value; see ${name} --help.`,
    );
  }
  // --help and --version answer even when a required argument is missing.
  const [first] = missing;
  if (first && out['help'] !== true && out['version'] !== true) {
    const [key, arg] = first;
    const what = arg.type === 'positional' ? (arg.value ?? key.toUpperCase()) : `--${key.replace(/-/g, '_')}`;
    const message =
      typeof arg.required === 'function'
        ? arg.required(name)
        : typeof arg.required === 'string'
          ? arg.required
          : `${name} needs ${what}. See ${name} --help.`;
    throw new AdsOAuthError('USAGE', message);
  }
  return out as ParsedArgs<A> & { help: boolean; version: boolean };
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  /** The name the user typed, e.g. `generate-user-credentials` or `ads-oauth generate`. */
  name?: string;
}

/**
 * What a command line asks for, decided before anything runs: the help or version to print, the
 * usage of a group given no subcommand, or the command to run with its parsed arguments. Usage
 * errors are thrown. The bins (src/cli/bin/) answer the first three from their small start-up
 * file and load the rest only for a `run`.
 */
export type CommandPlan =
  | { kind: 'help'; def: AnyCommand; name: string }
  | { kind: 'version' }
  | { kind: 'group-usage'; def: AnyCommand; name: string }
  | { kind: 'run'; def: AnyCommand; name: string; args: ParsedArgs<ArgsDef> };

/**
 * The plan of a command line: its subcommand when the first argument names one, `help [SUB]`,
 * `--help`, `--version`, or its own `run`. Nothing is printed or run; usage errors are thrown.
 */
export async function planCommand(def: AnyCommand, argv: readonly string[], options: RunOptions = {}): Promise<CommandPlan> {
  const name = options.name ?? def.meta.name;
  const [first, ...rest] = argv;
  const subs = def.subCommands;
  if (subs && first !== undefined) {
    if (Object.hasOwn(subs, first)) return planCommand(await resolveCommand(subs[first]!), rest, { name: `${name} ${first}` });
    // `ads-oauth help verify` is `ads-oauth verify --help`; `help config set` reaches further.
    if (first === 'help') {
      if (rest.length === 0) return { kind: 'help', def, name };
      const [sub, ...deeper] = rest;
      if (sub !== undefined && Object.hasOwn(subs, sub)) {
        return planCommand(await resolveCommand(subs[sub]!), deeper.length > 0 ? ['help', ...deeper] : ['--help'], {
          name: `${name} ${sub}`,
        });
      }
      throw unknownSubcommand(def, name, sub!);
    }
    if (!first.startsWith('-') && !def.run) throw unknownSubcommand(def, name, first);
  }
  const args = parseCommand(def, argv, name);
  if (args.help) return { kind: 'help', def, name };
  if (args.version) return { kind: 'version' };
  // A group without a subcommand: show what there is, as a usage error.
  if (!def.run) return { kind: 'group-usage', def, name };
  return { kind: 'run', def, name, args };
}

/** Carries out a {@link planCommand} plan; returns the exit code (errors propagate). */
export async function runPlan(plan: CommandPlan, ctx: CliContext): Promise<number> {
  switch (plan.kind) {
    case 'help':
      return writeHelp(plan.def, plan.name, ctx);
    case 'version':
      ctx.out(version());
      return ExitCode.OK;
    case 'group-usage':
      writeOut(ctx, renderHelp(plan.def, plan.name, helpWidth(ctx)));
      return ExitCode.USAGE;
    case 'run':
      return (await plan.def.run!(plan.args, ctx)) ?? ExitCode.OK;
  }
}

/**
 * Runs a command: its subcommand when the first argument names one, `help [SUB]`, `--help`,
 * `--version`, or its own `run`. Returns the exit code; errors propagate (runMain reports them).
 */
export async function runCommand(def: AnyCommand, argv: readonly string[], ctx: CliContext, options: RunOptions = {}): Promise<number> {
  return runPlan(await planCommand(def, argv, options), ctx);
}

async function resolveCommand(entry: AnyCommand | LazyCommand): Promise<AnyCommand> {
  return 'load' in entry ? entry.load() : entry;
}

function unknownSubcommand(def: AnyCommand, name: string, sub: string): AdsOAuthError {
  const names = Object.keys(def.subCommands ?? {});
  return new AdsOAuthError(
    'USAGE',
    `Unknown command ${JSON.stringify(sub)} for ${name}. Commands: ${names.join(', ')}. See ${name} --help.`,
  );
}

function writeHelp(def: AnyCommand, name: string, ctx: CliContext): number {
  writeOut(ctx, renderHelp(def, name, helpWidth(ctx)));
  return ExitCode.OK;
}

/** Text to stdout as it is, without making process.stdout where the context can (CliContext.write). */
function writeOut(ctx: CliContext, text: string): void {
  if (ctx.write) ctx.write(text);
  else ctx.stdout.write(text);
}

/** The width help is wrapped to: the terminal's when stdout is one, else 80 (what a pipe or file gets). */
export function helpWidth(ctx: Pick<CliContext, 'stdout' | 'stdoutIsTTY'>): number {
  if (ctx.stdoutIsTTY === false) return 80;
  const columns = ctx.stdout.isTTY ? ctx.stdout.columns : undefined;
  return typeof columns === 'number' && columns > 0 ? columns : 80;
}

/** The option names and placeholder of one argument, as the help's left column shows them. */
function optionLabel(key: string, arg: ArgDef): string {
  if (arg.type === 'positional') return arg.value ?? key.toUpperCase();
  const names = [...(arg.short ? [`-${arg.short}`] : []), `--${key}`, ...(arg.aliases ?? []).map((a) => `--${a}`)].join(', ');
  if (!arg.value) return names;
  return `${names}${arg.type === 'optional-string' ? ` [${arg.value}]` : arg.type === 'list' ? ` ${arg.value}…` : ` ${arg.value}`}`;
}

/**
 * Lays out a two-column table in `columns` characters: names on the left (at most 32 wide; a
 * longer name puts its text on the next line), text wrapped at spaces on the right. Narrower than
 * the left column plus 30 characters, the text goes under each name instead.
 */
export function formatRows(rows: ReadonlyArray<readonly [string, string]>, columns: number): string {
  if (rows.length === 0) return '';
  const left = Math.min(32, Math.max(...rows.map(([l]) => l.length)) + 2);
  const stacked = columns - 2 - left < 30;
  const textWidth = stacked ? Math.max(10, columns - 6) : columns - 2 - left;
  const indent = ' '.repeat(stacked ? 6 : 2 + left);
  return rows
    .map(([name, text]) => {
      const lines = wrapText(text, textWidth);
      const head =
        stacked || name.length + 2 > left
          ? [`  ${name}`, ...(lines[0] !== undefined ? [`${indent}${lines[0]}`] : [])]
          : [`  ${name.padEnd(left)}${lines[0] ?? ''}`.trimEnd()];
      return [...head, ...lines.slice(1).map((l) => `${indent}${l}`)].join('\n');
    })
    .join('\n');
}

function paragraphs(text: string, width: number, indent = ''): string {
  return text
    .split(/\n\s*\n/)
    .map((p) =>
      wrapText(p, Math.max(10, width - indent.length))
        .map((l) => `${indent}${l}`)
        .join('\n'),
    )
    .join('\n\n');
}

function usageLines(def: AnyCommand, name: string, width: number): string[] {
  const generated = (): string => {
    const positionals = Object.entries(def.args)
      .filter(([, a]) => a.type === 'positional')
      .map(([k, a]) => (a.type === 'positional' && a.required ? (a.value ?? k.toUpperCase()) : `[${a.value ?? k.toUpperCase()}]`));
    return [def.subCommands ? '<command>' : '', ...positionals, '[options]'].filter(Boolean).join(' ');
  };
  const usage = def.meta.usage === undefined ? [generated()] : typeof def.meta.usage === 'string' ? [def.meta.usage] : def.meta.usage;
  const lead = 'Usage: ';
  const indent = ' '.repeat(lead.length + name.length + 1);
  return usage.flatMap((line, i) => {
    const prefix = `${i === 0 ? lead : ' '.repeat(lead.length)}${name}`;
    // Too narrow for the arguments beside the name: they go under it.
    if (indent.length + Math.max(...line.split(' ').map((w) => w.length)) > width) {
      return [prefix, ...wrapText(line, Math.max(10, width - 4)).map((l) => `    ${l}`)];
    }
    return wrapText(line, width - indent.length).map((l, j) => (j === 0 ? `${prefix} ${l}` : `${indent}${l}`));
  });
}

/** The whole `--help` text of a command, wrapped to `width` columns. */
export function renderHelp(def: AnyCommand, name: string, width = 80): string {
  const parts: string[] = [usageLines(def, name, width).join('\n'), paragraphs(def.meta.description, width)];
  if (def.subCommands) {
    const rows = Object.entries(def.subCommands).map(([sub, entry]): [string, string] => [
      sub,
      'load' in entry ? entry.summary : summaryOf(entry),
    ]);
    parts.push(
      `Commands:\n${formatRows(rows, width)}`,
      paragraphs(`Run "${name} help <command>" (or "${name} <command> --help") for a command's options.`, width),
    );
  }
  const all = allArgs(def.args);
  const positionals = all.filter(([, a]) => a.type === 'positional');
  if (positionals.length > 0)
    parts.push(
      `Arguments:\n${formatRows(
        positionals.map(([k, a]) => [optionLabel(k, a), a.description]),
        width,
      )}`,
    );
  const options = all.filter(([, a]) => a.type !== 'positional' && !a.hidden);
  const snake = options.some(([k]) => k.includes('-'));
  parts.push(
    `Options:\n${formatRows(
      options.map(([k, a]) => [optionLabel(k, a), a.description]),
      width,
    )}${snake ? `\n${paragraphs('snake_case spellings such as --client_secrets_path are accepted too.', width, '  ')}` : ''}`,
  );
  for (const section of def.meta.sections ?? []) {
    const body: string[] = [];
    if (section.text) body.push(paragraphs(section.text, width, '  '));
    if (section.rows) body.push(formatRows(section.rows, width));
    if (section.lines) body.push(section.lines.map((l) => commandLine(l, width)).join('\n'));
    if (section.after) body.push(paragraphs(section.after, width, '  '));
    parts.push(`${section.title}:\n${body.join('\n')}`);
  }
  return `${parts.join('\n\n')}\n`;
}

/** A shell command for the help, indented; too long, it continues on the next lines after ` \\` (still copyable). */
function commandLine(line: string, width: number): string {
  if (line.length + 2 <= width) return `  ${line}`;
  const lines = wrapText(line, Math.max(10, width - 8));
  return lines.map((l, i) => `${i === 0 ? '  ' : '      '}${l}${i < lines.length - 1 ? ' \\' : ''}`).join('\n');
}

function summaryOf(def: AnyCommand): string {
  return def.meta.summary ?? def.meta.description.split(/(?<=\.)\s/)[0]!.replace(/\s+/g, ' ');
}

/** A whole number from `min` to `max`, from a string flag's value (`undefined` stays so). */
export function integerArg(value: string | undefined, flag: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new AdsOAuthError('USAGE', `--${flag} must be a whole number from ${min} to ${max} (got ${JSON.stringify(value)}).`);
  }
  return Number(value);
}
