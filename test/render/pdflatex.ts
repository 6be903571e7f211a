// Compiling pathsum's documents with the system's pdflatex (Debian: texlive-latex-base and
// texlive-latex-recommended, which .ci/run installs). Where it is missing the tests say so and skip,
// except under CI (CI=true), where a missing pdflatex fails.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const hasPdflatex = spawnSync('pdflatex', ['--version'], { encoding: 'utf8' }).status === 0;
export const inCI = process.env.CI === 'true';
export const SKIP_NOTE =
  'pdflatex not found: the LaTeX compile tests are SKIPPED ' +
  '(apt-get install texlive-latex-base texlive-latex-recommended to run them)';

export interface Compiled {
  readonly file: string;
  readonly status: number | null;
  readonly log: string;
}

/** One run of `pdflatex -halt-on-error` in the file's directory; resolves with its exit status and log. */
export function compile(file: string): Promise<Compiled> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'pdflatex',
      ['-halt-on-error', '-interaction=nonstopmode', '-no-shell-escape', basename(file)],
      { cwd: dirname(file), stdio: 'ignore' },
    );
    child.on('error', reject);
    child.on('close', status => {
      const log = readFileSync(join(dirname(file), basename(file).replace(/\.tex$/, '.log')), 'utf8');
      resolve({ file, status, log });
    });
  });
}

/** Compiles every file, `parallel` at a time. */
export async function compileAll(files: readonly string[], parallel = 2): Promise<Compiled[]> {
  const results: Compiled[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      results[i] = await compile(files[i]!);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return results;
}

/** The widths, in pt, by which the log's overfull \hbox-es stick out. */
export function overfullBoxes(log: string): number[] {
  return [...log.matchAll(/^Overfull \\hbox \((\d+(?:\.\d+)?)pt too wide\)/gm)].map(m => Number(m[1]));
}

/** TeX's error lines (`! …`), which -halt-on-error stops at. */
export function texErrors(log: string): string[] {
  return log.split('\n').filter(line => line.startsWith('! '));
}

/** The document docs/latex.md shows for `expand --format latex` fragments: each line in display math, with amsmath. */
export const fragmentDocument = (lines: readonly string[]) =>
  [
    '\\documentclass{article}',
    '\\usepackage{amsmath}',
    '\\begin{document}',
    ...lines.map(l => `\\[ ${l} \\]`),
    '\\end{document}',
    '',
  ].join('\n');
