// How a trace node prints (docs/design.md §1, tracing): a whole term exactly as eval prints it (ordered pairs,
// its scales as a coefficient), a partial path as the composition around its placeholders, read out by W_U.
import { describe, expect, it } from 'vitest';
import { headOf, pairOf, residual, whole } from '../../src/analysis/partial-path.js';
import { formatPartial } from '../../src/analysis/trace-format.js';
import { compile } from '../../src/model/spec.js';
import { bias, embed } from '../../src/paths/path.js';
import { site } from '../../src/language/site.js';

const [plain] = compile(
  'model m { vocab 5; context 4; width 4; embed; layers 2 { attention heads 2 size 2; bilinear hidden 3 }; unembed }',
  'm.pathsum',
);
const [normed] = compile(
  `model n { vocab 5; context 4; width 4; embed
     layer { norm rms; attention heads 1 size 2 scale 1/2; norm layer; bilinear hidden 3 bias }
     norm rms; unembed }`,
  'n.pathsum',
);

describe('formatPartial', () => {
  it.each([
    [residual(null, 'final'), '(Id ⊗ W_U) R_final'],
    [headOf(1, 0, null, residual(1, 'attn')), '(Id ⊗ W_U) ((A^{1.0} ⊗ W_OV^{1.0}) R_attn^{1})'],
    [headOf(1, 0, 2, residual(1, 'attn')), '(Id ⊗ W_U) ((A^{1.0}[:,2] ⊗ W_OV^{1.0}) R_attn^{1})'],
    [pairOf(0, whole(embed()), residual(0, 'mlp')), '(Id ⊗ W_U) B^{0}((Id ⊗ W_E), R_mlp^{0})'],
    [headOf(0, 1, null, whole(embed())), 'A^{0.1} ⊗ W_U W_OV^{0.1} W_E'],
    [pairOf(0, whole(embed()), whole(embed())), 'Id • Id ⊗ W_U B^{0}(W_E, W_E)'],
  ])('%#: without norms', (partial, text) => {
    expect(formatPartial(partial, plain!, 'text')).toBe(text);
  });

  it('puts a block’s frozen norm before each argument it normalizes, and its scale in front', () => {
    const head = headOf(0, 0, null, residual(0, 'attn'));
    expect(formatPartial(head, normed!, 'text')).toBe(
      '1/2 · (Id ⊗ W_U) (D_final ⊗ G_final) ((A^{0.0} ⊗ W_OV^{0.0}) (D_ln1^{0} ⊗ G_ln1^{0}) R_attn^{0})',
    );
    const lnBias = whole(bias(site('ln2', 0, 'b')));
    expect(formatPartial(pairOf(0, residual(0, 'mlp'), lnBias), normed!, 'text')).toBe(
      '(Id ⊗ W_U) (D_final ⊗ G_final) B^{0}((D_ln2^{0} ⊗ G_ln2^{0} C) R_mlp^{0}, (1 ⊗ b_ln2^{0}))',
    );
  });

  it('writes an irrational scale as eval does (1/√6, not 1/6·√6), in text and LaTeX', () => {
    const [rooted] = compile(
      `model r { vocab 5; context 4; width 4; embed
         layers 2 { attention heads 1 size 2 scale 1/sqrt(6) }; unembed }`,
      'r.pathsum',
    );
    // one head: 1/√6; two heads, √6·√6 = 6 in the denominator: 1/6
    const one = headOf(1, 0, 3, residual(1, 'attn'));
    expect(formatPartial(one, rooted!, 'text')).toBe('1/√6 · (Id ⊗ W_U) ((A^{1.0}[:,3] ⊗ W_OV^{1.0}) R_attn^{1})');
    expect(formatPartial(one, rooted!, 'latex')).toMatch(/^\\tfrac\{1\}\{\\sqrt\{6\}\} \\cdot /);
    const two = headOf(1, 0, 3, headOf(0, 0, 1, residual(0, 'attn')));
    expect(formatPartial(two, rooted!, 'text')).toMatch(/^1\/6 · /);
  });
});
