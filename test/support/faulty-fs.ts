/**
 * A file system for fault-injection tests: node's, except that one step of writing a temp file
 * (`.<name>.<random>.tmp`, the atomic write's) fails with an errno code. Lock files and reads are
 * left alone, so a test sees exactly the failure it asked for.
 */
import type { FileHandle } from 'node:fs/promises';
import { nodeFileSystem, type FileSystem } from '../../src/stores/fs.js';

export type FaultStep = 'open' | 'write' | 'sync' | 'rename';

const isTemp = (path: unknown): boolean => /\.tmp$/.test(String(path));

function fault(code: string): Error {
  return Object.assign(new Error(`${code}: injected fault`), { code });
}

export function faultyFs(step: FaultStep, code: string): Partial<FileSystem> {
  const open = (async (path: Parameters<FileSystem['open']>[0], ...rest: unknown[]) => {
    if (step === 'open' && isTemp(path)) throw fault(code);
    const handle = await (nodeFileSystem.open as (...args: unknown[]) => Promise<FileHandle>)(path, ...rest);
    if (!isTemp(path) || (step !== 'write' && step !== 'sync')) return handle;
    return new Proxy(handle, {
      get(target, property, receiver) {
        if ((step === 'write' && property === 'writeFile') || (step === 'sync' && property === 'sync')) {
          return async () => {
            throw fault(code);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
  }) as FileSystem['open'];
  const rename = (async (from: Parameters<FileSystem['rename']>[0], to: Parameters<FileSystem['rename']>[1]) => {
    if (step === 'rename' && isTemp(from)) throw fault(code);
    return nodeFileSystem.rename(from, to);
  }) as FileSystem['rename'];
  return { open, rename };
}
