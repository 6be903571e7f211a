// Typed AST → canonical spec text: two-space indentation, one statement per line, no comments.
// parse(print(ast)) equals ast up to locations (test/language/roundtrip.test.ts).
import { match } from 'ts-pattern';
import type { LayerStatement, ModelStatement, SpecAst } from './ast.js';
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
    .with({ kind: 'norm' }, n => [`norm ${n.norm}`])
    .with({ kind: 'rename' }, r => [`rename ${r.key} ${quote(r.to)}`])
    .with({ kind: 'layer' }, l => ['layer {', ...l.body.map(layerStatement).map(indent), '}'])
    .with({ kind: 'layers' }, l => [`layers ${l.count} {`, ...l.body.map(layerStatement).map(indent), '}'])
    .exhaustive();
}

function layerStatement(s: LayerStatement): string {
  return match(s)
    .with({ kind: 'norm' }, n => `norm ${n.norm}`)
    .with(
      { kind: 'attention' },
      a => `attention heads ${a.heads} size ${a.headSize}${flag(a.bias, 'bias')}${rotary(a.rotary)}`,
    )
    .with({ kind: 'bilinear' }, b => `bilinear hidden ${b.hidden}${flag(b.bias, 'bias')}`)
    .exhaustive();
}

const rotary = (r: { base: number } | undefined) =>
  r === undefined ? '' : r.base === ROTARY_BASE ? ' rotary' : ` rotary theta ${r.base}`;
