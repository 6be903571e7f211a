// What a command may touch: its output streams and whether stderr is a terminal (progress bars).
// Commands are `run(args, io) → exit code`, so tests call them in-process.

export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** stderr is a terminal: progress bars may be drawn. */
  readonly interactive: boolean;
}

export type Command = (args: string[], io: Io) => Promise<number>;

export const processIo: Io = {
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/** Collects output in memory, for tests. */
export function memoryIo(): Io & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: text => void (out += text),
    stderr: text => void (err += text),
    interactive: false,
    out: () => out,
    err: () => err,
  };
}

/** Gathers output into large writes: streaming 100,000 lines one write at a time is slow. */
export function bufferedStdout(io: Io, limit = 1 << 16): { write: (text: string) => void; flush: () => void } {
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
  };
}
