// Files as a user reads about them: operating-system error codes as plain words (`cannot write
// out.tex: the file system is read-only`, never `EROFS` or a stack trace), and what a path is when it
// is not a regular file. One table for every reader and writer (specs, weights, inputs, -o files).
import type { Stats } from 'node:fs';

const sentences: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EFBIG: 'the file would be too large',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  EROFS: 'the file system is read-only',
  ENAMETOOLONG: 'the file name (or the path) is too long',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ELOOP: 'too many symbolic links in the path',
  EIO: 'an input/output error on the device',
  EMFILE: 'too many open files',
  EXDEV: 'the temporary file and the target are on different file systems',
  EPIPE: 'the reader has closed the pipe',
};

/** One clause for a failed system call: the sentence for its code, else node's message without the call. */
export function describeErrno(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException;
  if (code !== undefined && code in sentences) return sentences[code]!;
  return code ?? String(message ?? error).split('\n')[0]!;
}

/** What a path that is not a regular file is, as a clause: `it is a pipe`. */
export function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'it is a directory';
  if (stats.isFIFO()) return 'it is a pipe';
  if (stats.isSocket()) return 'it is a socket';
  return stats.isCharacterDevice() || stats.isBlockDevice() ? 'it is a device' : 'it is a special file';
}
