// Typed AST → canonical spec text: two-space indentation, one statement per line, no comments.
// parse(print(ast)) equals ast up to locations (test/language/roundtrip.test.ts).
import { match } from 'ts-pattern';
import type { Coefficient } from '../rational.js';
import type { Layout } from './architecture.js';
import type { LayerStatement, ModelStatement, NormStatement, SpecAst } from './ast.js';
import { ROTARY_BASE } from './parse.js';
import { quote } from './quoted.js';

export function print(ast: SpecAst): string {
  return `${ast.models
    .map(m => [`model ${m.name} {`, ...m.body.flatMap(s => modelStatement(s).map(indent)), '}'].join('\n'))
    .join('\n\n')}\n`;
}

const indent = (line: string) => `  ${line}`;
const flag = (on: boolean, word: string) => (on ? ` ${word}` : '');

function modelStatement(s: ModelStatement): string[] {
  return match(s)
    .with({ kind: 'vocab' }, { kind: 'context' }, { kind: 'width' }, d => [`${d.kind} ${d.value}`])
    .with({ kind: 'embed' }, e => [`embed${flag(e.positional, 'positional')}`])
    .with({ kind: 'unembed' }, u => [`unembed${flag(u.bias, 'bias')}`])
    .with({ kind: 'norm' }, n => [norm(n)])
    .with({ kind: 'rename' }, r => [`rename ${r.key} ${quote(r.to)}${layout(r.layout)}`])
    .with({ kind: 'layer' }, l => ['layer {', ...l.body.map(layerStatement).map(indent), '}'])
    .with({ kind: 'layers' }, l => [`layers ${l.count} {`, ...l.body.map(layerStatement).map(indent), '}'])
    .exhaustive();
}

function layerStatement(s: LayerStatement): string {
  return match(s)
    .with({ kind: 'norm' }, norm)
    .with(
      { kind: 'attention' },
      a => `attention heads ${a.heads} size ${a.headSize}${flag(a.bias, 'bias')}${rotary(a.rotary)}${scale(a.scale)}`,
    )
    .with({ kind: 'bilinear' }, b => `bilinear hidden ${b.hidden}${flag(b.bias, 'bias')}${scale(b.scale)}`)
    .exhaustive();
}

const rotary = (r: { base: number } | undefined) =>
  r === undefined ? '' : r.base === ROTARY_BASE ? ' rotary' : ` rotary theta ${r.base}`;

const norm = (n: NormStatement) =>
  `norm ${n.norm}${flag(n.gain === false, 'nogain')}${n.eps === undefined ? '' : ` eps ${n.eps}`}`;

const layout = (l: Layout) => `${l.rows ? ` rows ${l.rows.part} of ${l.rows.of}` : ''}${l.form ? ` ${l.form}` : ''}`;

const scale = (c: Coefficient | undefined) => (c === undefined ? '' : ` scale ${printScale(c)}`);

/** q·√r as the spec writes it: `3/4`, `1/sqrt(8)` when r divides the denominator, else `sqrt(12)/5`. */
export function printScale(c: Coefficient): string {
  const sign = c.s < 0n ? '-' : '';
  const [n, d, r] = [c.n, c.d, c.radicand];
  const over = (top: string, bottom: bigint) => (bottom === 1n ? top : `${top}/${bottom}`);
  if (r === 1n) return `${sign}${over(`${n}`, d)}`;
  if (d % r === 0n) return `${sign}${n}/sqrt(${(d * d) / r})`;
  return `${sign}${over(`sqrt(${n * n * r})`, d)}`;
}
