// What both bins' start-up files do first (for what canned.ts could not answer from help.json):
// decide from the command definitions alone (planCommand) whether the command line asks only for
// help, the version or a group's usage, and answer it then and there; anything else (a run, or a
// usage error) goes to the bundle with the commands' work, which starts over from the same argv
// (src/cli/bin/run.ts). Help on a terminal so loads a file of about 50 KB, not the whole CLI.
import { planCommand, runPlan, type AnyCommand, type RunOptions } from '../command.js';
import { runMain } from '../context.js';

/**
 * Answers `argv` from `def` when it asks for help, the version or a group's usage; else calls
 * `handOff`, before anything has been printed or any handler installed.
 */
export async function start(def: AnyCommand, argv: readonly string[], options: RunOptions, handOff: () => unknown): Promise<void> {
  let plan;
  try {
    plan = await planCommand(def, argv, options);
  } catch {
    // A usage error: the full CLI reports it, the same way as ever.
  }
  if (plan !== undefined && plan.kind !== 'run') {
    const answer = plan;
    await runMain(argv, (_args, ctx) => runPlan(answer, ctx));
    return;
  }
  await handOff();
}
