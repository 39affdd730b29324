import type { ProcessFacts } from '../stores/fs.js';

/**
 * The facts about this process that `src/stores` needs (only `src/cli` reads `process`): its pid
 * for lock files, its effective uid (root keeps a rewritten file's owner), and whether another
 * pid is alive (`kill(pid, 0)`: EPERM means alive but someone else's), for stale-lock takeover.
 */
export const processInfo: ProcessFacts = Object.freeze({
  pid: process.pid,
  uid: process.getuid?.(),
  isAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
});
