// Operating-system error codes as the plain words a user reads: `cannot write out.tex: the
// directory does not exist`, never `ENOENT` or a stack trace.

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
