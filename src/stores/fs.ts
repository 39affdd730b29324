import { access, chmod, link, lstat, mkdir, open, readdir, readFile, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';

/**
 * The file operations `src/stores` performs, as one injectable object: the atomic write, the lock
 * file and the config read-modify-write take it as an option (`fs`), so a test can make one step
 * fail (ENOSPC on write, EIO on fsync, EROFS on rename, EACCES on opening a lock) without a test
 * hook in the production code. {@link nodeFileSystem} is the real one and the default.
 */
export interface FileSystem {
  open: typeof open;
  readFile: typeof readFile;
  stat: typeof stat;
  lstat: typeof lstat;
  readlink: typeof readlink;
  realpath: typeof realpath;
  rename: typeof rename;
  link: typeof link;
  unlink: typeof unlink;
  mkdir: typeof mkdir;
  chmod: typeof chmod;
  access: typeof access;
  readdir: typeof readdir;
}

/** `node:fs/promises`. */
export const nodeFileSystem: FileSystem = Object.freeze({
  open,
  readFile,
  stat,
  lstat,
  readlink,
  realpath,
  rename,
  link,
  unlink,
  mkdir,
  chmod,
  access,
  readdir,
});

/** `fs` with `overrides` in place of some operations (a partial object replaces only what it names). */
export function withFileSystem(overrides: Partial<FileSystem> | undefined): FileSystem {
  return overrides ? { ...nodeFileSystem, ...overrides } : nodeFileSystem;
}

/**
 * What the stores need to know about the running process, handed in by the caller (the CLI's
 * `cli/process-info.ts`), so that nothing under `src/stores` reads `process` itself.
 */
export interface ProcessFacts {
  /** This process's id, written into lock files so others can tell whether the holder is alive. */
  pid: number;
  /** The effective user id (`undefined` where there is none, e.g. Windows): root keeps a file's owner. */
  uid: number | undefined;
  /** Whether a process with this id exists on this host (`kill(pid, 0)`). */
  isAlive(pid: number): boolean;
}
