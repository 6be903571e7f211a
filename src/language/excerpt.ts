// The source line an error message quotes: escaped (visible.ts), cut to a window of WINDOW
// terminal columns around the column at fault with '…' marks, and the caret's offset under it.
import { visibleChar } from './visible.js';

const WINDOW = 80;

/** East Asian wide and fullwidth characters and emoji take two terminal columns. */
const WIDE = new RegExp(
  [
    '[\\u1100-\\u115f\\u2e80-\\u303e\\u3041-\\u33ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\ua000-\\ua4cf\\uac00-\\ud7a3',
    '\\uf900-\\ufaff\\ufe30-\\ufe4f\\uff00-\\uff60\\uffe0-\\uffe6\\u{1f300}-\\u{1f64f}\\u{1f900}-\\u{1f9ff}',
    '\\u{20000}-\\u{3fffd}]',
  ].join(''),
  'u',
);
const COMBINING = /\p{M}/u;

interface Cell {
  readonly text: string;
  readonly width: number;
}

function cell(char: string): Cell {
  if (char === '\t') return { text: ' ', width: 1 };
  const text = visibleChar(char);
  if (text !== char) return { text, width: text.length };
  return { text, width: COMBINING.test(char) ? 0 : WIDE.test(char) ? 2 : 1 };
}

function cells(text: string): Cell[] {
  return Array.from(text, cell);
}

/** `line` as shown under a message, and how many columns precede the character at `col` (from 1). */
export function excerpt(line: string, col: number): { shown: string; caret: number } {
  const at = Math.min(Math.max(0, col - 1), line.length);
  // every cell is at least one column wide, so 4·WINDOW code units on each side are plenty
  const start = Math.max(0, at - 4 * WINDOW);
  const end = Math.min(line.length, at + 4 * WINDOW);
  const left = cells(line.slice(start, at));
  const right = cells(line.slice(at, end));
  const leftWidth = Math.min(width(left), Math.max(WINDOW / 2, WINDOW - width(right)));
  const shownLeft = takeLast(left, leftWidth);
  const shownRight = takeFirst(right, WINDOW - width(shownLeft));
  const cutLeft = shownLeft.length < left.length || start > 0;
  const cutRight = shownRight.length < right.length || end < line.length;
  const shown = [
    cutLeft ? '…' : '',
    ...shownLeft.map(c => c.text),
    ...shownRight.map(c => c.text),
    cutRight ? '…' : '',
  ];
  return { shown: shown.join(''), caret: (cutLeft ? 1 : 0) + width(shownLeft) };
}

function width(cs: readonly Cell[]): number {
  return cs.reduce((w, c) => w + c.width, 0);
}

function takeFirst(cs: readonly Cell[], budget: number): Cell[] {
  let used = 0;
  let n = 0;
  while (n < cs.length && used + cs[n]!.width <= budget) used += cs[n++]!.width;
  return cs.slice(0, n);
}

function takeLast(cs: readonly Cell[], budget: number): Cell[] {
  return takeFirst([...cs].reverse(), budget).reverse();
}
