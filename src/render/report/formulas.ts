// Formulas typeset by KaTeX when the report is built, and KaTeX's stylesheet with its fonts inside it
// (woff2 as data URLs), so that the page needs neither a script nor a network request to show them.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import katex from 'katex';

/** HTML of a formula; a formula KaTeX cannot read shows as its source in red (class katex-error), not a crash. */
export const typeset = (latex: string): string => katex.renderToString(latex, { throwOnError: false });

/** KaTeX's stylesheet, each @font-face reduced to its woff2 file, embedded. */
export function katexStylesheet(): string {
  const dist = dirname(createRequire(import.meta.url).resolve('katex'));
  const css = readFileSync(join(dist, 'katex.min.css'), 'utf8');
  return css.replace(/src:url\((fonts\/[^)]+\.woff2)\) format\("woff2"\)[^;}]*/g, (_, file: string) => {
    const data = readFileSync(join(dist, file)).toString('base64');
    return `src:url(data:font/woff2;base64,${data}) format("woff2")`;
  });
}
