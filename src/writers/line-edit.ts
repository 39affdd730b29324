import { FIELD_ORDER, type ConfigChanges, type ConfigValues, type CredentialField } from './types.js';
import { changedFields, checkValues, detectEol, insertLines, joinLines, splitLines, type Line } from './text.js';

/** A managed key found in a line-oriented file: its field and the lines it spans (inclusive). */
export interface LineEntry {
  field: CredentialField;
  first: number;
  last: number;
  value: string | undefined;
}

/**
 * A line-oriented format (properties, ini, dotenv, Ruby): how to find the managed keys, how to
 * rewrite one, and where a missing one goes. {@link editLines} does the rest, one field at a time,
 * re-reading the lines after each edit so indexes never go stale.
 */
export interface LineFormat {
  /** Finds the managed entries (all occurrences, in file order). Throws `CONFIG` when it doesn't parse. */
  scan(lines: Line[]): LineEntry[];
  /** The line(s) that replace an existing entry, keeping its key spelling, quoting and comment. */
  replace(lines: Line[], entry: LineEntry, value: string): string[];
  /**
   * Inserts a missing key. `anchor` is the line after which a neighbouring managed key sits
   * (`undefined` when none does); the format may choose its own place (a section, before `end`).
   */
  insert(lines: Line[], field: CredentialField, value: string, anchor: Anchor | undefined, eol: string): void;
}

export type Anchor = { after: number } | { before: number };

/** Where a missing field goes among the existing managed entries: after its predecessor, else before its successor. */
export function anchorFor(
  entries: readonly LineEntry[],
  field: CredentialField,
  accept: (e: LineEntry) => boolean = () => true,
): Anchor | undefined {
  const order = FIELD_ORDER.indexOf(field);
  const candidates = entries.filter(accept);
  for (let i = order - 1; i >= 0; i--) {
    const found = candidates.filter((e) => e.field === FIELD_ORDER[i]);
    if (found.length > 0) return { after: found[found.length - 1]!.last };
  }
  for (let i = order + 1; i < FIELD_ORDER.length; i++) {
    const found = candidates.find((e) => e.field === FIELD_ORDER[i]);
    if (found) return { before: found.first };
  }
  return undefined;
}

/** Inserts lines at an anchor. */
export function insertAt(lines: Line[], anchor: Anchor, texts: readonly string[], eol: string): void {
  if ('after' in anchor) insertLines(lines, anchor.after, texts, eol);
  else insertLines(lines, anchor.before - 1, texts, eol);
}

/** Applies changes to a line-oriented file, touching only the managed entries' lines. */
export function editLines(format: LineFormat, existing: string, changes: ConfigChanges): string {
  checkValues(changes);
  const eol = detectEol(existing);
  const lines = splitLines(existing);
  format.scan(lines); // parse errors surface before any edit
  for (const field of changedFields(changes)) {
    const value = changes[field];
    const entries = format.scan(lines).filter((e) => e.field === field);
    if (value === null) {
      for (const entry of [...entries].reverse()) lines.splice(entry.first, entry.last - entry.first + 1);
      continue;
    }
    if (value === undefined) continue;
    if (entries.length > 0) {
      // Every occurrence gets the value, so whichever one the library reads (first or last wins) is right.
      for (const entry of [...entries].reverse()) {
        const replacement = format.replace(lines, entry, value);
        const eolOfLast = lines[entry.last]!.eol;
        const fresh = replacement.map((text) => ({ text, eol }));
        fresh[fresh.length - 1]!.eol = eolOfLast;
        lines.splice(entry.first, entry.last - entry.first + 1, ...fresh);
      }
      continue;
    }
    format.insert(lines, field, value, anchorFor(format.scan(lines), field), eol);
  }
  return joinLines(lines);
}

/** Reads values from scanned entries: the last occurrence wins unless `firstWins`. */
export function valuesOf(entries: readonly LineEntry[], firstWins = false): ConfigValues {
  const values: ConfigValues = {};
  for (const entry of entries) {
    if (entry.value === undefined) continue;
    if (firstWins && values[entry.field] !== undefined) continue;
    values[entry.field] = entry.value;
  }
  return values;
}

/** Index of the first comment line that looks like a commented-out `key` assignment (a template). */
export function findTemplate(lines: readonly Line[], pattern: RegExp, from = 0, to = lines.length): number | undefined {
  for (let i = from; i < to; i++) {
    if (pattern.test(lines[i]!.text)) return i;
  }
  return undefined;
}
