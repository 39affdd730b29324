// What both bins run first (dist/cli/ads-oauth.cjs and dist/cli/generate-user-credentials.cjs, a
// few KB each): a command line that only asks for help or the version, written to a pipe, a socket
// or a file, is answered from dist/cli/help.json (`texts`), what scripts/bundle-cli.mjs rendered at
// build time with the same planCommand and renderHelp at 80 columns — the width help always has
// off a terminal (command.ts's helpWidth). Everything else, a terminal among it (its width is the
// terminal's), goes on to the bin's start-up file, which decides from the command definitions as
// it always did. Measured (bench/NOTES.md, round 4): the start-up file's compile, module body and
// context were ≈ 5 ms of `--help`'s ≈ 35, more than the 10 % the target allows over `node -e ''`.
import { fstatSync, readFileSync, writeSync } from 'node:fs';
import { ExitCode } from '../exit-codes.js';

/** A bin's canned command lines: `JSON.stringify(argv)` → the index of its text in help.json. */
export type CannedKeys = Readonly<Record<string, number>>;

/**
 * Writes the canned answer to `argv` and returns true, when `keys` has one for exactly this argv
 * and descriptor 1 is a pipe, a socket or a regular file (not on Windows, where stdout is written
 * through Node's stream only); returns false, having written nothing, for anything else, and when
 * help.json cannot be read.
 */
export function answerCanned(keys: CannedKeys, textsFile: string, argv: readonly string[]): boolean {
  const key = JSON.stringify(argv);
  if (process.platform === 'win32' || !Object.hasOwn(keys, key)) return false;
  try {
    const stat = fstatSync(1);
    if (!(stat.isFIFO() || stat.isSocket() || stat.isFile())) return false;
  } catch {
    return false;
  }
  let text: unknown;
  try {
    text = (JSON.parse(readFileSync(textsFile, 'utf8')) as { texts: unknown[] }).texts[keys[key]!];
  } catch {
    return false;
  }
  if (typeof text !== 'string') return false;
  write(text);
  return true;
}

/**
 * Whether a command line the table has not answered may still ask for help, the version or a
 * group's usage (an option or word of those names anywhere, or no arguments): the bin then loads
 * its start-up file, which decides from the definitions and answers without the commands' work.
 * Anything else is a run (or a usage error) and goes straight to run.cjs, which plans the command
 * line again from the same definitions: a wrong guess either way costs time, never the answer.
 */
export function mayAskForHelp(argv: readonly string[], groups: readonly string[] = []): boolean {
  if (argv.length === 0) return true;
  if (argv.some((a) => a === 'help' || a === '-h' || /^--(help|version)(=|$)/.test(a))) return true;
  // A group alone (`ads-oauth config`) prints its usage.
  return argv.length === 1 && groups.includes(argv[0]!);
}

/** The text to descriptor 1, with stdio.ts's handling: EPIPE ends the run with 141, EAGAIN goes to the stream. */
function write(text: string): void {
  let buffer = Buffer.from(text, 'utf8');
  try {
    while (buffer.length > 0) buffer = buffer.subarray(writeSync(1, buffer));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EPIPE') {
      // The reader went away: the help reached no one (128 + SIGPIPE, as context.ts reports it).
      process.exitCode = ExitCode.OUTPUT_CLOSED;
      return;
    }
    // A non-blocking pipe that is full (EAGAIN): Node's stream waits for it.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? ExitCode.OUTPUT_CLOSED : ExitCode.FAILURE));
    process.stdout.write(buffer);
  }
}
