// A standalone LaTeX document listing path terms (amsmath only). Each term is inline math in a
// ragged-right paragraph with a penalty at every place it may break (./latex-breaks.ts), so TeX fits
// every line to the page; page breaks fall between terms. Beside each term, in a label column: its
// contribution to a logit when it was evaluated, and `logits =` / `+` when the listing is the whole sum.
import type { Expr } from '../formula/nodes.js';
import { printExpr } from '../formula/print.js';
import { withBreaks } from './latex-breaks.js';
import { escapeTex, isWholeSum, type LatexListing, leftOut, summary } from './latex-header.js';

export { escapeTex, type LatexEvaluation, type LatexListing } from './latex-header.js';

export function latexDocument(listing: LatexListing): string {
  const whole = isWholeSum(listing);
  const contributions = listing.evaluation?.contributions;
  // the number column: contributions (to four decimals, as `pathsum eval` prints them), else the terms' ranks
  const numbers = contributions?.map(c => c.toFixed(4)) ?? (whole ? [] : listing.rows.map((_, i) => `${i + 1}.`));
  const asLabel = (n: string) => (contributions ? `$${n}$` : n);
  const rows = listing.rows.map((row, i) => {
    const [sign, formula] = whole ? signed(row, i === 0) : ['', printExpr(row, 'latex')];
    return `\\pathterm{${numbers[i] === undefined ? '' : asLabel(numbers[i])}}{${sign}}{$${withBreaks(formula)}$}`;
  });
  const samples = [
    ...(contributions ? ['\\emph{contribution}'] : []),
    ...(numbers.length ? [asLabel(widest(numbers))] : []),
  ];
  const rest = leftOut(listing);
  return [
    '\\documentclass{article}',
    '\\usepackage{amsmath}',
    ...preamble,
    '\\begin{document}',
    `\\section*{${listing.title ?? `The path expansion of \\texttt{${escapeTex(listing.model)}}`}}`,
    ...summary(listing).flatMap(paragraph => [paragraph, '']),
    '\\medskip\\begingroup\\raggedright\\binoppenalty 10000 \\relpenalty 10000',
    ...samples.map(sample => `\\widen{\\termnumber}{${sample}}`),
    ...(whole ? ['\\widen{\\termsign}{$\\text{logits} = {}$}'] : []),
    ...(contributions ? ['\\pathterm{\\emph{contribution}}{}{\\emph{term}}'] : []),
    ...rows,
    '\\par\\endgroup',
    ...(rest ? ['\\medskip', rest] : []),
    '\\end{document}',
    '',
  ].join('\n');
}

/**
 * \pathterm{number}{sign}{formula}: the label columns right-aligned in the margin the paragraph hangs
 * from, the formula's continuation lines indented a further 2em.
 */
const preamble = [
  // a long file name in the header may leave a line loose, never sticking out
  '\\setlength{\\emergencystretch}{3em}',
  '\\newlength{\\termnumber}',
  '\\newlength{\\termsign}',
  '\\newlength{\\termindent}',
  '\\newcommand{\\widen}[2]{\\settowidth{\\dimen0}{#2}\\ifdim\\dimen0>#1\\setlength{#1}{\\dimen0}\\fi}',
  '\\newcommand{\\pathterm}[3]{\\par',
  '  \\setlength{\\termindent}{\\dimexpr\\termnumber+\\termsign+1.5em\\relax}',
  '  \\parshape 2 \\termindent \\dimexpr\\linewidth-\\termindent\\relax',
  '    \\dimexpr\\termindent+2em\\relax \\dimexpr\\linewidth-\\termindent-2em\\relax',
  '  \\noindent\\llap{\\makebox[\\termnumber][r]{#1}\\hspace{1em}\\makebox[\\termsign][r]{#2}\\hspace{0.5em}}#3\\par',
  '  \\smallskip}',
];

/** A row of the whole sum: `logits =` before the first, `+` or `-` before the others. */
function signed(row: Expr, first: boolean): [string, string] {
  const latex = printExpr(row, 'latex');
  const negative = latex.startsWith('-');
  const body = negative ? latex.slice(1) : latex;
  if (first) return ['$\\text{logits} = {}$', negative ? `-${body}` : body];
  return [negative ? '$-$' : '$+$', body];
}

/** As wide as the widest label: its most digits, as zeros (the widest digit in most fonts), and a sign if any has. */
function widest(labels: readonly string[]): string {
  const digits = labels.map(l => l.replace('-', '')).reduce((a, b) => (b.length > a.length ? b : a));
  return `${labels.some(l => l.startsWith('-')) ? '-' : ''}${digits.replace(/\d/g, '0')}`;
}
