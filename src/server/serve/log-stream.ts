/**
 * The destination of serve's request log: lines gathered during one turn of the event loop and
 * written as one chunk when the turn ends.
 *
 * pino's default destination writes every line with its own synchronous `write(2)`. With one line
 * a request, that was about a sixth of serve's CPU per authorization under load (issue 9: 0.8 of
 * 4.7 ms on the bench machine), most of it the system call and waking the reader of the pipe. A
 * busy turn answers many requests, so one write now carries many lines. A line waits at most
 * until the current turn ends (`setImmediate`), never for a size or a timer, so a quiet server
 * logs as promptly as before. {@link BatchedLogStream.flush} writes what is pending at once
 * (serve calls it when it stops); a crash loses at most the lines of the turn it happened in.
 */

/** What the lines are written to: `process.stdout`, or any stream with a `write(string)`. */
export interface LogSink {
  write(chunk: string): unknown;
}

/** A pino destination (`write(line)`) that batches lines per event-loop turn. */
export interface BatchedLogStream {
  write(line: string): void;
  /** Writes the pending lines now. */
  flush(): void;
}

/** Creates a {@link BatchedLogStream} over `sink`. */
export function createBatchedLogStream(sink: LogSink): BatchedLogStream {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const chunk = pending.length === 1 ? pending[0]! : pending.join('');
    pending = [];
    sink.write(chunk);
  };
  return {
    write(line: string): void {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}
