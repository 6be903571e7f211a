// The order of a model's statements (src/language/check.ts, issue 15): layers after the unembedding
// are refused where they stand, and every statement before it is accepted.
import { describe, expect, it } from 'vitest';
import { compile, SpecError } from '../../src/model/spec.js';

const spec = (body: string) => `model m {\n  vocab 8\n  context 4\n  width 4\n  embed\n${body}\n}\n`;

function specError(text: string): SpecError {
  try {
    compile(text, 'order.pathsum');
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error('the spec was accepted');
}

describe('statement order', () => {
  it.each([
    ['a layer', '  unembed\n  layer { bilinear hidden 4 }', 7, 3],
    ['layers', '  layer { bilinear hidden 4 }\n  unembed\n  layers 2 { attention heads 1 size 4 }', 8, 3],
  ])('refuses %s after the unembedding, at its own line and column', (_name, body, line, col) => {
    const e = specError(spec(body));
    expect(e.reason).toBe('layers must come before the unembedding');
    expect([e.file, e.line, e.col]).toEqual(['order.pathsum', line, col]);
    expect(e.message.split('\n')[0]).toBe(`order.pathsum:${line}:${col}: layers must come before the unembedding`);
  });

  it('refuses the embedding after a layer, and a norm that applies to nothing, where they stand', () => {
    const layerFirst =
      'model m {\n  vocab 8\n  context 4\n  width 4\n  layer { bilinear hidden 4 }\n  embed\n  unembed\n}\n';
    const e = specError(layerFirst);
    expect([e.reason, e.line, e.col]).toEqual(["'embed' must come before the layers", 6, 3]);
    const dangling = specError(spec('  layer { bilinear hidden 4 }\n  unembed\n  norm rms'));
    expect([dangling.reason, dangling.line, dangling.col]).toEqual([
      "'norm rms' applies to nothing: it must come right before 'unembed'",
      8,
      3,
    ]);
  });

  it('accepts the same layers before the unembedding', () => {
    const [arch] = compile(spec('  layer { bilinear hidden 4 }\n  layers 2 { attention heads 1 size 4 }\n  unembed'));
    expect(arch!.layers.map(l => [l.bilinear?.hidden, l.attention?.heads])).toEqual([
      [4, undefined],
      [undefined, 1],
      [undefined, 1],
    ]);
  });
});
