// What a command may touch: its output streams and whether stderr is a terminal (progress bars).
// Commands are `run(args, io) → exit code`, so tests call them in-process.
import { UserError } from '../errors.js';
import { describeErrno } from '../files.js';

export interface Io {
  /** Throws OutputClosed once the reader has gone, or a UserError once a write failed (a full disk). */
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is a terminal: progress bars may be drawn. */
  readonly interactive: boolean;
  /**
   * Resolves once stdout has passed on what it was given; rejects as `stdout` throws. A command that
   * streams without end (expand) awaits it, so it runs no faster than its reader and stops when the
   * reader goes. Absent: output is taken at once (memory).
   */
  readonly drained?: () => Promise<void>;
}

export type Command = (args: string[], io: Io) => Promise<number>;

/** The reader of stdout has gone (`pathsum expand … | head`): not an error, the command just stops. */
export class OutputClosed extends Error {
  constructor() {
    super('the reader of standard output has closed it');
  }
}

/**
 * The exit status after OutputClosed: 128 + SIGPIPE (13), what `yes | head` reports for `yes`, so shells
 * and `set -o pipefail` see pathsum as any Unix tool stopped by its reader. No message: it is not an error.
 */
export const OUTPUT_CLOSED_STATUS = 141;

/**
 * The real process streams. Writes to a pipe are asynchronous in node: a failure (EPIPE, ENOSPC) is
 * an 'error' event, which would crash with a stack trace if nobody listened. A failure the command
 * meets is thrown by its next `stdout` or `drained` call and reported by main; the listener reports one
 * that arrives after the command's last write (its line on stderr and the exit status, kept by bin.ts).
 */
export const processIo: Io = {
  stdout: text => {
    listen();
    checkStdout();
    process.stdout.write(text);
    checkStdout(); // files fail synchronously
  },
  stderr: text => {
    listen();
    if (!process.stderr.errored && !process.stderr.destroyed) process.stderr.write(text);
  },
  get interactive() {
    return process.stderr.isTTY === true;
  },
  drained: async () => {
    listen();
    checkStdout();
    if (!process.stdout.writableNeedDrain) return;
    await new Promise<void>(resolve => {
      const settle = () => {
        for (const event of events) process.stdout.off(event, settle);
        resolve();
      };
      const events = ['drain', 'error', 'close'] as const;
      for (const event of events) process.stdout.on(event, settle);
    });
    checkStdout();
  },
};

let listening = false;
/** A failure already thrown to the command (so main reports it) or reported by the listener. */
let failed = false;

function listen(): void {
  if (listening) return;
  listening = true;
  process.stdout.on('error', error => {
    if (failed) return;
    const reason = failure(error);
    if (!(reason instanceof OutputClosed)) processIo.stderr(`pathsum: ${reason.message}\n`);
    process.exitCode = reason instanceof OutputClosed ? OUTPUT_CLOSED_STATUS : 1;
  });
  process.stderr.on('error', () => {}); // nowhere left to report it
}

function checkStdout(): void {
  if (process.stdout.errored) throw failure(process.stdout.errored);
  if (process.stdout.destroyed) throw failure(Object.assign(new Error('closed'), { code: 'EPIPE' }));
}

function failure(error: Error): Error {
  failed = true;
  return (error as NodeJS.ErrnoException).code === 'EPIPE'
    ? new OutputClosed()
    : new UserError(`cannot write to standard output: ${describeErrno(error)}`);
}

/** Collects output in memory, for tests. */
export function memoryIo(): Io & { out: () => string; err: () => string; terminal: () => string } {
  let out = '';
  let err = '';
  let both = '';
  return {
    stdout: text => {
      out += text;
      both += text;
    },
    stderr: text => {
      err += text;
      both += text;
    },
    interactive: false,
    out: () => out,
    err: () => err,
    /** Both streams in the order they were written: what a terminal shows. */
    terminal: () => both,
  };
}

/**
 * Gathers output into large writes (streaming 100,000 lines one write at a time is slow). A streaming
 * loop awaits `drained` after each write: it waits only when a flush has filled stdout's buffer.
 */
export function bufferedStdout(
  io: Io,
  limit = 1 << 16,
): { write: (text: string) => void; flush: () => void; drained: () => Promise<void> } {
  let buffer = '';
  const flush = () => {
    if (buffer) io.stdout(buffer);
    buffer = '';
  };
  return {
    write: text => {
      buffer += text;
      if (buffer.length >= limit) flush();
    },
    flush,
    drained: async () => io.drained?.(),
  };
}
