/**
 * Writing to the process's own stdout and stderr without making `process.stdout` /
 * `process.stderr` before something needs the stream itself. For a pipe or a socket (how a script,
 * a test or a benchmark runs the CLI) Node makes a net.Socket, with the stream and net modules:
 * ≈ 6 ms of CPU at start-up, more than the rest of `--help` (bench/NOTES.md). There a line is
 * written with `fs.writeSync` on the descriptor, which is what Node does for such a stream on
 * Linux anyway (its stdout and stderr pipes are synchronous; on macOS a write that would block
 * goes to the stream, see below); the bytes, their order and the EPIPE handling are the same.
 *
 * The stream is made, and used from then on for every write, when: it is asked for (`stream()`:
 * a TTY's width, a prompt, a spinner), the descriptor is a terminal or not a pipe/socket/file
 * (then Node's stream is cheap or needed), on Windows, or when a write fails with anything but
 * EPIPE (EAGAIN from a non-blocking pipe that is full, say): the rest of the text goes to the
 * stream, which deals with it as it always did.
 *
 * The one place (with src/stores/ and cli/version.ts) that imports node:fs outside src/stores/:
 * it touches no file, only descriptors 1 and 2 (docs/ARCHITECTURE.md).
 */
import { fstatSync, writeSync } from 'node:fs';

type Out = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** The writer of one of the process's output streams. */
export interface StdioWriter {
  /** Writes `text` (to the descriptor directly while the stream has not been made). */
  write(text: string): void;
  /** The stream itself (made on first use, with the error handler attached). */
  stream(): Out;
  /** True when the descriptor is known to be a pipe, a socket or a file: not a terminal. */
  readonly notTTY: boolean;
}

/**
 * A writer for descriptor `fd` (1 or 2); `onError` gets the stream's errors, and an EPIPE of a
 * direct write, as the handler Node's stream would have called.
 */
export function stdioWriter(fd: 1 | 2, onError: (error: NodeJS.ErrnoException) => void): StdioWriter {
  const key = fd === 1 ? 'stdout' : 'stderr';
  let made: Out | undefined;
  const attach = (s: Out): Out => {
    if (made === undefined) {
      made = s;
      made.on('error', onError);
    }
    return made;
  };
  // Whoever makes the stream first (this writer, console, a Node warning), it gets the handler, as
  // when it was attached at start-up: Node's own getter, wrapped once, then put back.
  const descriptor = Object.getOwnPropertyDescriptor(process, key);
  if (descriptor?.get && descriptor.configurable) {
    const get = descriptor.get;
    Object.defineProperty(process, key, {
      ...descriptor,
      get() {
        Object.defineProperty(process, key, descriptor);
        return attach(get.call(process) as Out);
      },
    });
  } else {
    attach(process[key]);
  }
  const stream = (): Out => made ?? attach(process[key]);
  const kind = directKind(fd);
  let direct = process.platform !== 'win32' && kind;
  return {
    notTTY: kind,
    write(text) {
      if (made !== undefined || !direct) {
        stream().write(text);
        return;
      }
      let buffer = Buffer.from(text, 'utf8');
      try {
        while (buffer.length > 0) buffer = buffer.subarray(writeSync(fd, buffer));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EPIPE') {
          onError(error as NodeJS.ErrnoException);
          return;
        }
        direct = false;
        stream().write(buffer);
      }
    },
    stream,
  };
}

/** Whether `fd` is a pipe, a socket or a regular file (else: a terminal, /dev/null, closed…). */
function directKind(fd: number): boolean {
  try {
    const stat = fstatSync(fd);
    return stat.isFIFO() || stat.isSocket() || stat.isFile();
  } catch {
    return false;
  }
}
