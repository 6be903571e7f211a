import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LayerStatement, ModelStatement, SpecAst } from '../../src/language/ast.js';
import { compile, parse, print, SpecError } from '../../src/model/spec.js';
import { Fraction, surd } from '../../src/rational.js';

const at = { line: 0, col: 0 };
const dim = fc.integer({ min: 1, max: 100_000 });
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/);
const normKind = fc.constantFrom('rms' as const, 'layer' as const);

/** Optional fields as the parser writes them: absent, not undefined. */
const optional = <T>(key: string, value: fc.Arbitrary<T>) =>
  fc.option(value, { nil: undefined }).map(v => (v === undefined ? {} : { [key]: v }));

/** q·√r with q a nonzero fraction and r up to 60: scales such as 1/√8, -3/4, √3/4. */
const scale = fc
  .tuple(
    fc.integer({ min: -50, max: 50 }).filter(n => n !== 0),
    fc.integer({ min: 1, max: 50 }),
    fc.nat(60),
  )
  .map(([n, d, r]) => surd(new Fraction(n, d), new Fraction(r + 1)));

const normStatement = fc
  .tuple(
    normKind,
    optional('gain', fc.constant(false as const)),
    optional('eps', fc.constantFrom(1e-8, 1e-5, 0.001, 2.5e-7, 1)),
  )
  .map(([norm, gain, eps]) => ({ kind: 'norm' as const, norm, ...gain, ...eps, loc: at }));

const layerStatement: fc.Arbitrary<LayerStatement> = fc.oneof(
  normStatement,
  fc
    .tuple(
      fc.record({ heads: dim, headSize: dim, bias: fc.boolean() }),
      optional(
        'rotary',
        fc.constantFrom(10_000, 500).map(base => ({ base })),
      ),
      optional('scale', scale),
    )
    // rotary attention pairs the head dimensions: an even size
    .map(([a, rotary, s]) => ({
      kind: 'attention' as const,
      ...a,
      ...('rotary' in rotary ? { headSize: 2 * a.headSize } : {}),
      ...rotary,
      ...s,
      loc: at,
    })),
  fc
    .tuple(fc.record({ hidden: dim, bias: fc.boolean() }), optional('scale', scale))
    .map(([b, s]) => ({ kind: 'bilinear' as const, ...b, ...s, loc: at })),
);

const layout = fc
  .tuple(
    optional(
      'rows',
      fc
        .integer({ min: 1, max: 8 })
        .chain(of => fc.record({ part: fc.integer({ min: 1, max: of }), of: fc.constant(of) })),
    ),
    optional('form', fc.constantFrom('linear' as const, 'transposed' as const)),
  )
  .map(([rows, form]) => ({ ...rows, ...form }));
const body = fc.array(layerStatement, { minLength: 1, maxLength: 4 });

const modelStatement: fc.Arbitrary<ModelStatement> = fc.oneof(
  fc
    .record({ kind: fc.constantFrom('vocab' as const, 'context' as const, 'width' as const), value: dim })
    .map(s => ({ ...s, loc: at })),
  fc.boolean().map(positional => ({ kind: 'embed' as const, positional, loc: at })),
  fc.boolean().map(bias => ({ kind: 'unembed' as const, bias, loc: at })),
  normStatement,
  body.map(b => ({ kind: 'layer' as const, body: b, loc: at })),
  fc.record({ count: dim, body }).map(l => ({ kind: 'layers' as const, ...l, loc: at })),
  fc
    .record({
      key: fc.oneof(fc.stringMatching(/^[a-z_]+(\.[A-Za-z0-9_]+){0,3}$/), fc.constant('blocks.{l}.attn.W_Q')),
      to: fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 })),
      layout,
    })
    .map(r => ({ kind: 'rename' as const, ...r, loc: at })),
);

const spec: fc.Arbitrary<SpecAst> = fc
  .array(fc.record({ name, body: fc.array(modelStatement, { maxLength: 8 }), loc: fc.constant(at) }), {
    minLength: 1,
    maxLength: 3,
  })
  .map(models => ({ models }));

/** Locations are where text was; the law is about everything else. */
function withoutLocations(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'loc' ? undefined : v)));
}

describe('spec printer and parser', () => {
  it('parse(print(ast)) equals ast', () => {
    fc.assert(
      fc.property(spec, ast => {
        expect(withoutLocations(parse(print(ast)))).toEqual(withoutLocations(ast));
      }),
      { numRuns: 300 },
    );
  });

  it('print is canonical: print(parse(print(ast))) = print(ast)', () => {
    fc.assert(
      fc.property(spec, ast => {
        expect(print(parse(print(ast)))).toBe(print(ast));
      }),
      { numRuns: 100 },
    );
  });

  const pieces = fc.constantFrom(
    'model',
    'm',
    '{',
    '}',
    '\n',
    ';',
    ' ',
    'layer',
    'layers',
    '3',
    '0',
    '2.5',
    '-',
    'attention',
    'heads',
    'size',
    'bilinear',
    'hidden',
    'bias',
    'norm',
    'rms',
    'vocab',
    'embed',
    'unembed',
    'rename',
    '"x"',
    '"',
    '#',
    '⊗',
    'é',
    '\t',
    '99999999999999999999',
    'scale',
    'sqrt',
    '(',
    ')',
    '/',
    '1e-8',
    'eps',
    'nogain',
    'rotary',
    'rows',
    'of',
    'linear',
    'blocks.{l}.attn.W_Q',
  );
  const almostSpec = fc.array(pieces, { maxLength: 40 }).map(p => p.join(' '));

  it('on any input, compile returns models or throws a SpecError, never anything else', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), almostSpec), text => {
        try {
          expect(Array.isArray(compile(text, 'x.pathsum'))).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(SpecError);
          const e = error as SpecError;
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.col).toBeGreaterThanOrEqual(1);
          expect(e.message.split('\n')[0]).toMatch(/^x\.pathsum:\d+:\d+: \S/);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('deep nesting is an error, not a crash', () => {
    const text = `model m {\n${'layer {\n'.repeat(200)}${'}\n'.repeat(200)}}`;
    expect(() => compile(text)).toThrow(SpecError);
  });
});
