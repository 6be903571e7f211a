// The last part of docs/walkthrough.md: `pathsum report` on the induction model, the screenshot of its
// page (docs/report-induction.png, written by browser.test.ts under `npm run golden`), and the report of
// the deep model of the next part, whose terms are too many to list.
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';

export const REPORT_ANCHOR = '## A report to read in a browser';
export const SCREENSHOT = 'docs/report-induction.png';

const INPUT = '3,17,8,21,5,11,14,2,3,17,8,21,5,11,14';

/** A command the document shows: its words after `pathsum`, the file it writes, and the line shown. */
export interface ShownCommand {
  readonly args: readonly string[];
  readonly output: string;
  readonly line: string;
}

function shown(spec: string, output: string, ...options: string[]): ShownCommand {
  const words = ['report', spec, '--tokens', INPUT, ...options, '-o', output];
  return { args: words.slice(1), output, line: `pathsum ${words.join(' ')}` };
}

// `verify` checks the laws just above this part: `--runs 0` leaves them out of the page, which still
// checks Σ terms = forward on its input (a verify over all 53,300 terms would triple the time)
export const REPORT_COMMAND = shown('examples/induction', '/tmp/induction-report.html', '--runs', '0');
export const DEEP_REPORT_COMMAND = shown('examples/hf-induction', '/tmp/hf-induction-report.html');

/** What the terminal shows for one command, as the document prints it. */
export async function shownRun({ args, line }: ShownCommand): Promise<string> {
  const io = memoryIo();
  const code = await main(['report', ...args], io);
  if (code !== 0) throw new Error(`${line} exited ${code}: ${io.err()}`);
  return ['```', `$ ${line}`, io.terminal().trimEnd(), '```'].join('\n');
}

/** The part, given the two commands' blocks (shownRun of REPORT_COMMAND and DEEP_REPORT_COMMAND). */
export function reportSection(induction: string, deep: string): string {
  return [
    REPORT_ANCHOR,
    '',
    '`report` puts all of this on one page that opens offline: the model, the prediction and its',
    "contributions by family and by head, the top terms typeset, every head's attention pattern on the",
    "input, each bilinear layer's interaction matrix along the target logit with its eigenvalues and",
    'eigenvectors, the trace tree of the logit, and the verification. Its figures are those of `eval`,',
    "`features`, `trace` and `verify`; a chart's tooltips give them exactly. `--runs 0` leaves out the laws",
    'that `verify` checked above; the page still checks Σ terms = forward on its input.',
    '',
    induction,
    '',
    `![The top of the report of the induction model](${SCREENSHOT.replace('docs/', '')})`,
    '',
    'A model with more terms than `--max-terms` (2,000,000 by default) still gets its report, without the',
    'sections built from the terms (the top terms, the contributions by family and by head, Σ terms =',
    'forward): each says why, and the trace tree explains the logit exactly at any depth. The Hugging Face',
    'folder of the next part has three layers:',
    '',
    deep,
    '',
  ].join('\n');
}
