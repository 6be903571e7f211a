// The spec syntax of issue 10: `scale S` on attention and bilinear blocks (exact: q or q·√r), `norm … nogain
// eps E`, and what `pathsum check` says of them. Error tests are a table: statement, word at fault, message.
import { describe, expect, it } from 'vitest';
import { summarize } from '../../src/cli/check.js';
import { compile, parse, print, SpecError } from '../../src/model/spec.js';

const model = (layer: string, extra = '') =>
  `model m {\n  vocab 4; context 3; width 4; embed\n  layer {\n    ${layer}\n  }\n  unembed\n${extra}}\n`;

const scaleOf = (statement: string) => {
  const layer = compile(model(statement))[0]!.layers[0]!;
  return (layer.attention ?? layer.bilinear)!.scale?.toFraction();
};

describe('scale S', () => {
  it.each([
    ['2', '2'],
    ['0.5', '1/2'],
    ['3/4', '3/4'],
    ['-3/4', '-3/4'],
    ['sqrt(2)', '1·√2'],
    ['1/sqrt(8)', '1/4·√2'],
    ['3/sqrt(2)', '3/2·√2'],
    ['sqrt(3)/4', '1/4·√3'],
    ['sqrt(12)', '2·√3'],
    ['sqrt(1/2)', '1/2·√2'],
    ['-sqrt(0.5)/2', '-1/4·√2'],
    ['1/sqrt(4)', '1/2'],
  ])('scale %s is exactly %s', (written, exact) => {
    expect(scaleOf(`attention heads 1 size 2 scale ${written}`)).toBe(exact);
    expect(scaleOf(`bilinear hidden 2 scale ${written}`)).toBe(exact);
  });

  it('prints back in the form that reads the same', () => {
    for (const written of ['1/sqrt(8)', 'sqrt(3)/4', '-3/sqrt(2)', 'sqrt(12)/5', '0.25']) {
      const text = model(`bilinear hidden 2 bias scale ${written}`);
      const printed = print(parse(text));
      expect(compile(printed)[0]).toEqual(compile(text)[0]);
    }
    expect(print(parse(model('attention heads 1 size 2 scale 1/sqrt(8)')))).toContain('scale 1/sqrt(8)\n');
    expect(print(parse(model('attention heads 1 size 2 scale sqrt(12)/5')))).toContain('scale sqrt(12)/5\n');
  });

  it('is said by pathsum check', () => {
    const [arch] = compile(model('norm rms nogain eps 1e-8\n    attention heads 1 size 2 scale 1/sqrt(8)'));
    expect(summarize(arch!, 'm.pathsum')).toContain(
      'layer 0: rms norm without gain (eps 1e-8), attention 1 head of size 2, output scaled by 1/sqrt(8)',
    );
  });

  const errors: [string, string, string][] = [
    ['bilinear hidden 2 scale', 'scale', 'expected a number in the scale'],
    ['bilinear hidden 2 scale 0', 'scale', 'a scale of 0 would remove the block'],
    ['bilinear hidden 2 scale 1/0', 'scale', 'the scale divides by 0 or takes the root of 0'],
    ['bilinear hidden 2 scale sqrt(0)', 'scale', 'the scale divides by 0 or takes the root of 0'],
    ['bilinear hidden 2 scale sqrt 2', '2', "expected '(' in the scale"],
    ['bilinear hidden 2 scale sqrt(2', 'sqrt', "expected ')' in the scale"],
    ['bilinear hidden 2 scale 1e-3', '1e-3', "expected a number such as 3 or 0.5 in the scale, found '1e-3'"],
    ['bilinear hidden 2 scale sqrt(2000000)', 'scale', "the scale's square root is of too large a number"],
    ['bilinear hidden 2 scale 2 scale 3', 'scale 3', "'scale' is given twice"],
    ['bilinear hidden 2 scale x', 'x', 'expected a number in the scale'],
  ];
  it.each(errors)('%s → at %j: %s', (statement, at, message) => {
    let error: SpecError | undefined;
    try {
      compile(model(statement), 'm.pathsum');
    } catch (e) {
      error = e as SpecError;
    }
    expect(error).toBeInstanceOf(SpecError);
    expect(error!.reason).toContain(message);
    expect(error!.line).toBe(4);
    // the scale's first word, or the word at fault; the layer's lines are indented by four spaces
    const col = at === 'scale' ? statement.indexOf(' scale') + 2 : statement.lastIndexOf(at) + 1;
    expect(error!.col === col + 4 || error!.col === statement.length + 5).toBe(true);
  });
});

describe('norm … nogain eps E', () => {
  it('reads, checks and prints the options', () => {
    const text = model('norm layer nogain eps 0.001\n    bilinear hidden 2', '  norm rms eps 1e-8\n');
    const text2 = text.replace('  unembed\n  norm rms eps 1e-8\n', '  norm rms eps 1e-8\n  unembed\n');
    const [arch] = compile(text2);
    expect(arch!.layers[0]!.bilinear).toMatchObject({ norm: 'layer', normOptions: { gain: false, eps: 0.001 } });
    expect(arch!.unembed).toEqual({ bias: false, norm: 'rms', normOptions: { eps: 1e-8 } });
    expect(print(parse(text2))).toContain('norm layer nogain eps 0.001\n');
    expect(print(parse(text2))).toContain('norm rms eps 1e-8\n');
  });

  it.each([
    ['norm rms eps 0', "'eps' must be positive and finite, found '0'"],
    ['norm rms eps -1', "'eps' must be a positive number, found '-'"],
    ['norm rms eps', "'eps' needs a number"],
    ['norm rms nogain nogain', "'nogain' is given twice"],
    ['norm rms gain', "unexpected 'gain' in norm"],
  ])('%s: %s', (statement, message) => {
    expect(() => compile(model(`${statement}\n    bilinear hidden 2`))).toThrow(message);
  });
});
