// Loads dist/cli/run.cjs (the commands' work, bundled from bin/run.ts) for the bins, with a V8
// code cache: Node 20 has no module.enableCompileCache(), so the file is compiled here with
// vm.Script and `cachedData`, the way Node's CommonJS loader would compile it otherwise
// (Module.wrap's parameters, the same filename for stack traces). run.cjs's dynamic imports go
// through this file's import(), passed in: V8 keeps no dynamic-import callback in a code cache,
// and a native import() compiled from one rejects ("A dynamic import callback was not specified").
//
// The cache is one file per command (a run of generate compiles other functions than verify's)
// under the user's cache directory, made at the exit of a run that had none (or whose cache V8
// refused), so it holds every function that run compiled. A header names the Node version, the
// architecture and the bundle's size and mtime; a cache of another build is ignored. Any failure
// (no cache directory, unwritable, corrupt) falls back silently to a plain require().
//
// V8 checks a cache against the source's length, not its content, so a cache file is code: it is
// trusted only in a directory of this user's alone (made 0700) and only when the file and the
// directory belong to this user and nobody else can write them; it is written 0600 through an
// exclusive temporary file. ADS_OAUTH_CODE_CACHE=0 turns the cache off.
// Measured: bench/NOTES.md.
import { lstatSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** What run.cjs exports (bin/run.ts). */
export interface RunBundle {
  runAdsOAuth(argv: readonly string[]): Promise<void>;
  runGenerateUserCredentials(argv: readonly string[]): Promise<void>;
}

/** The cache directory of this user: XDG on Linux and the like, Library/Caches on macOS, LOCALAPPDATA on Windows. */
function cacheDir(): string | undefined {
  const env = process.env;
  if (env['ADS_OAUTH_CODE_CACHE'] === '0') return undefined;
  if (process.platform === 'win32') return env['LOCALAPPDATA'] ? join(env['LOCALAPPDATA'], 'ads-oauth', 'Cache') : undefined;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'ads-oauth');
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'ads-oauth');
}

/**
 * Makes the cache directory and, if missing, its parent (~/.cache), no further: not
 * `recursive: true`, which in Node 20 loops for ever under /proc.
 */
function makeDir(dir: string): void {
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT') throw error;
    mkdirSync(dirname(dir), { mode: 0o700 });
    mkdirSync(dir, { mode: 0o700 });
  }
}

/**
 * Whether a path (not followed if a symbolic link: a link is refused) belongs to this user and
 * nobody else can write to it. On Windows (no POSIX owner or mode) the per-user LOCALAPPDATA is
 * taken as private.
 */
function privateToUser(path: string, kind: 'file' | 'dir'): boolean {
  const stat = lstatSync(path);
  if (kind === 'file' ? !stat.isFile() : !stat.isDirectory()) return false;
  if (process.platform === 'win32' || typeof process.getuid !== 'function') return true;
  return stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

/** The CommonJS wrapper function of run.cjs, compiled with the code cache of `key`; undefined to fall back to require(). */
function compileWithCache(file: string, key: string): ((...args: unknown[]) => void) | undefined {
  const dir = cacheDir();
  if (dir === undefined) return undefined;
  const stat = statSync(file);
  const header = `${JSON.stringify([process.version, process.arch, stat.size, stat.mtimeMs])}\n`;
  const cacheFile = join(dir, `v8-${key}.cache`);
  let cachedData: Buffer | undefined;
  try {
    if (privateToUser(dir, 'dir') && privateToUser(cacheFile, 'file')) {
      const data = readFileSync(cacheFile);
      if (data.subarray(0, header.length).toString('latin1') === header) cachedData = data.subarray(header.length);
    }
  } catch {
    // none yet (or unreadable): compile without, and write one at exit
  }
  // Module.wrap's parameters and a sixth: the import() run.cjs's dynamic imports go through
  // (scripts/bundle-cli.mjs), since V8 keeps no dynamic-import callback in a code cache.
  const source = `(function (exports, require, module, __filename, __dirname, __adsOAuthLoaderImport) { ${readFileSync(file, 'utf8')}\n});`;
  const script = new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cachedData === undefined || script.cachedDataRejected === true) {
    process.once('exit', () => {
      try {
        makeDir(dir);
        if (!privateToUser(dir, 'dir')) return;
        const temp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temp, Buffer.concat([Buffer.from(header, 'latin1'), script.createCachedData()]), { mode: 0o600, flag: 'wx' });
        renameSync(temp, cacheFile);
      } catch {
        // an unwritable cache directory: the next run compiles again
      }
    });
  }
  return script.runInThisContext() as (...args: unknown[]) => void;
}

/** Loads run.cjs (beside the bundled bin) for `key`, the command about to run. */
export function loadRun(key: string): RunBundle {
  const file = fileURLToPath(new URL('./run.cjs', import.meta.url));
  let wrapper: ReturnType<typeof compileWithCache>;
  try {
    wrapper = compileWithCache(file, key);
  } catch {
    wrapper = undefined;
  }
  if (wrapper === undefined) return createRequire(file)(file) as RunBundle;
  // Run outside the try: an error of the bundle itself is not a reason to load it a second time.
  // A module of Node's own, in require.cache, as require() would have made it.
  const require = createRequire(file);
  const module = new Module(file);
  module.filename = file;
  require.cache[file] = module;
  // This file's import() is Node's own (the bin is compiled by the CommonJS loader) and resolves
  // from the same directory as run.cjs.
  wrapper.call(module.exports, module.exports, require, module, file, dirname(file), (specifier: string) => import(specifier));
  module.loaded = true;
  return module.exports as RunBundle;
}
