import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/model/spec.js';

const doc = readFileSync('docs/spec-language.md', 'utf8');
const blocks = [...doc.matchAll(/```pathsum\n([\s\S]*?)```/g)].map(m => m[1]!);

describe('docs/spec-language.md', () => {
  it('shows examples', () => expect(blocks.length).toBeGreaterThanOrEqual(5));
  it.each(blocks.map((b, i) => [i, b] as const))('example %i parses and checks', (_, block) => {
    expect(compile(block, 'docs/spec-language.md').length).toBe(1);
  });
  it('shows every construct once', () => {
    for (const construct of [
      'vocab',
      'context',
      'width',
      'embed positional',
      'unembed bias',
      'layers 3',
      'attention heads',
      'rotary theta',
      'scale 1/sqrt(',
      'nogain',
      'eps 1e-8',
      'rows 1 of 3 linear',
      '{l}',
      'transposed',
      'bilinear hidden',
      'bias',
      'norm rms',
      'norm layer',
      'rename',
      '#',
      ';',
    ]) {
      expect(
        blocks.some(b => b.includes(construct)),
        construct,
      ).toBe(true);
    }
  });
});
