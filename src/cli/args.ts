// The low-level argv parser under src/cli/command.ts (which declares commands and types their
// arguments): flags by canonical kebab-case name, positionals in order.
import { AdsOAuthError } from '../errors.js';

/**
 * Flag kinds:
 * - `boolean`: `--json`;
 * - `string`: `--port 8080` or `--port=8080`;
 * - `optional-string`: `--config` alone, or `--config PATH` / `--config=PATH`;
 * - `list`: one or more values, as separate arguments (`--additional_scopes a b`, like Python's
 *   `nargs='+'`), `=`-joined, comma-separated, or repeated flags — all accumulate.
 */
export type FlagKind = 'boolean' | 'string' | 'optional-string' | 'list';

export interface FlagSpec {
  /** Canonical kebab-case name without dashes, e.g. `client-secrets-path`. */
  name: string;
  kind: FlagKind;
  /** Other accepted names (without dashes). snake_case spellings of `name` are always accepted. */
  aliases?: string[];
  short?: string;
  /** Placeholder for help, e.g. `PATH`. */
  value?: string;
  description: string;
}

/** Parsed flag values by canonical name. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
}

const canonical = (name: string): string => name.replace(/_/g, '-').toLowerCase();

/** Parses argv against the specs. Unknown flags, missing values and repeats are `USAGE` errors. */
export function parseArgs(args: readonly string[], specs: readonly FlagSpec[]): ParsedArgs {
  const byName = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byName.set(canonical(spec.name), spec);
    for (const alias of spec.aliases ?? []) byName.set(canonical(alias), spec);
    if (spec.short) byName.set(`-${spec.short}`, spec);
  }
  const flags: FlagValues = {};
  const positionals: string[] = [];
  let index = 0;
  const isFlag = (value: string | undefined): boolean => value !== undefined && value.startsWith('-') && value !== '-';
  while (index < args.length) {
    const arg = args[index++]!;
    if (arg === '--') {
      positionals.push(...args.slice(index));
      break;
    }
    if (!isFlag(arg)) {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const eq = arg.indexOf('=');
    const rawName = long ? arg.slice(2, eq === -1 ? undefined : eq) : arg;
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const spec = byName.get(long ? canonical(rawName) : rawName);
    if (!spec) {
      const suggestion = suggest(rawName, specs);
      throw new AdsOAuthError(
        'USAGE',
        `Unknown option ${long ? `--${rawName}` : rawName}.${suggestion ? ` Did you mean --${suggestion}?` : ''} See --help.`,
      );
    }
    const key = spec.name;
    switch (spec.kind) {
      case 'boolean':
        if (inline !== undefined) throw new AdsOAuthError('USAGE', `--${spec.name} takes no value.`);
        flags[key] = true;
        break;
      case 'string': {
        const value = inline ?? (isFlag(args[index]) ? undefined : args[index++]);
        if (value === undefined) throw new AdsOAuthError('USAGE', `--${spec.name} needs a value${spec.value ? ` (${spec.value})` : ''}.`);
        if (flags[key] !== undefined) throw new AdsOAuthError('USAGE', `--${spec.name} was given twice.`);
        flags[key] = value;
        break;
      }
      case 'optional-string': {
        // `--config=` (an unset shell variable, say) would name the working directory.
        if (inline === '') {
          throw new AdsOAuthError(
            'USAGE',
            `--${spec.name}= has an empty value: give ${spec.value ?? 'a value'} after the =, or write --${spec.name} alone for the default.`,
          );
        }
        const value = inline ?? (args[index] !== undefined && !isFlag(args[index]) ? args[index++] : undefined);
        if (flags[key] !== undefined) throw new AdsOAuthError('USAGE', `--${spec.name} was given twice.`);
        flags[key] = value ?? true;
        break;
      }
      case 'list': {
        const values: string[] = [];
        if (inline !== undefined) values.push(inline);
        else while (args[index] !== undefined && !isFlag(args[index])) values.push(args[index++]!);
        const split = values
          .flatMap((v) => v.split(','))
          .map((v) => v.trim())
          .filter(Boolean);
        if (split.length === 0)
          throw new AdsOAuthError('USAGE', `--${spec.name} needs at least one value${spec.value ? ` (${spec.value})` : ''}.`);
        const prior = flags[key];
        flags[key] = [...(Array.isArray(prior) ? prior : []), ...split];
        break;
      }
    }
  }
  return { flags, positionals };
}

function suggest(name: string, specs: readonly FlagSpec[]): string | undefined {
  const wanted = canonical(name);
  let best: { name: string; distance: number } | undefined;
  for (const spec of specs) {
    const distance = editDistance(wanted, spec.name);
    if (distance <= 3 && (!best || distance < best.distance)) best = { name: spec.name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Breaks `text` into lines of at most `width` characters, at spaces (a longer word stays whole). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
