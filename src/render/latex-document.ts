// A standalone LaTeX document of an expansion: amsmath only, one term per line of an align*,
// so long sums break across lines and pages (\allowdisplaybreaks).
import type { Architecture } from '../language/architecture.js';

export interface DocumentPart {
  readonly latex: readonly string[];
  /** Terms left out of the listing (a --limit), stated in the document. */
  readonly omitted: string | null;
}

export function latexDocument(
  arch: Architecture,
  part: DocumentPart,
  title = `The path expansion of \\texttt{${escapeTex(arch.name)}}`,
): string {
  const lines = part.latex.map((t, i) => (i === 0 ? `\\text{logits} &= ${t}` : `&\\quad + ${t}`));
  const body = lines.length === 0 ? '\\text{logits} &= 0' : lines.join(' \\\\\n');
  return [
    '\\documentclass{article}',
    '\\usepackage{amsmath}',
    '\\allowdisplaybreaks',
    '\\begin{document}',
    `\\section*{${title}}`,
    'Each line is one path term $c \\cdot K \\otimes T$: a position kernel $K$ tensored with a feature tensor $T$,',
    'read right to left from the tokens to the logits (Elhage et al.\\ 2021; Sharkey 2023).',
    '\\begin{align*}',
    body,
    '\\end{align*}',
    ...(part.omitted ? [`\\noindent and ${part.omitted} more terms, left out of this listing.`] : []),
    '\\end{document}',
    '',
  ].join('\n');
}

export function escapeTex(s: string): string {
  return s.replace(/[\\{}$&#^_%~]/g, c => (c === '\\' ? '\\textbackslash{}' : `\\${c}`));
}
