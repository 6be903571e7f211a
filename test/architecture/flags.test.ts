// Only src/cli names command-line flags: below it, errors and notes name what was wrong as a library
// caller sees it, and the CLI words them with the flag (src/cli/explain-error.ts). This test reads every
// string literal of every module outside src/cli (comments may name flags) and each typed error's two
// wordings.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { explain } from '../../src/cli/explain-error.js';
import { memoryIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { OptionError, UserError } from '../../src/errors.js';
import { AmbiguousModelError } from '../../src/language/index.js';
import { BackendUnavailableError, parseBackend, UnknownBackendError } from '../../src/numeric/backend.js';
import { loadModel, MissingWeightsError, TooLargeForRandomWeightsError } from '../../src/numeric/model.js';
import { UnusedTensorError } from '../../src/numeric/weights.js';

const SRC = join(import.meta.dirname, '../../src');
const FLAG = /--[a-z]/;

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return modules(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The text of every string literal and template part in `source` that names a flag, with its line. */
function flagsInStrings(source: string, file = 'module.ts'): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      if (FLAG.test(node.text)) {
        const line = tree.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push(`${file}:${line}: ${node.text}`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

describe('flags are named in src/cli only', () => {
  it('no string literal outside src/cli names a flag', () => {
    const outside = modules(SRC).filter(m => !relative(SRC, m).startsWith('cli/'));
    expect(outside.length).toBeGreaterThan(40);
    const found = outside.flatMap(m => flagsInStrings(readFileSync(m, 'utf8'), relative(SRC, m)));
    expect(found).toEqual([]);
  });

  it('the check finds flags in strings and templates, and passes over comments (it can fail)', () => {
    const source = [
      '// pass --weights FILE: a comment may name a flag',
      "/** --allow-extra */ const a = 'pass --weights FILE';",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template
      'const b = `${a}; use --backend wasm`;',
      'const c = "choose one with --model NAME";',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a template
      'const d = `--identity "${a}": ${b}`;',
      "const e = 'a - b -- c --1';",
    ].join('\n');
    expect(flagsInStrings(source).map(f => f.split(':')[1])).toEqual(['2', '3', '4', '5']);
    expect(flagsInStrings(readFileSync(join(SRC, 'cli/eval.ts'), 'utf8')).length).toBeGreaterThan(5);
  });
});

describe('typed errors: a neutral message below the CLI, the flag in the CLI', () => {
  const cases: [string, UserError, string][] = [
    [
      'MissingWeightsError',
      new MissingWeightsError('features', 'm.pathsum'),
      'features: --weights FILE is required (or give a model directory holding model.safetensors)',
    ],
    [
      'TooLargeForRandomWeightsError',
      new TooLargeForRandomWeightsError('big.pathsum', 'big', 60_000_000n),
      "big.pathsum: model 'big' has 60,000,000 parameters, too many to draw random weights for (limit 50,000,000); " +
        'pass --weights FILE',
    ],
    [
      'UnknownBackendError',
      new UnknownBackendError('gpu'),
      "--backend must be one of auto, node, wasm, cpu, found 'gpu'",
    ],
    [
      'BackendUnavailableError (node)',
      new BackendUnavailableError('node'),
      "the node backend needs @tensorflow/tfjs-node: install it with 'npm install @tensorflow/tfjs-node' " +
        '(it downloads libtensorflow), or use --backend wasm',
    ],
    [
      'AmbiguousModelError',
      new AmbiguousModelError('two.pathsum', ['a', 'b']),
      'two.pathsum defines 2 models (a, b): choose one with --model NAME',
    ],
    [
      'UnusedTensorError',
      new UnusedTensorError("w.safetensors: tensor x\ny is not used by model 'm'", ['x\ny', 'z']),
      "w.safetensors: tensor x\\u000ay is not used by model 'm' (and 1 more); " +
        'pass --allow-extra to ignore unused tensors',
    ],
    ['OptionError', new OptionError('via', 'ov:2', 'layer 0 has heads 0..1'), '--via ov:2: layer 0 has heads 0..1'],
    [
      'OptionError without a value',
      new OptionError('position', undefined, "model 'm' has no positional embedding"),
      "--position: model 'm' has no positional embedding",
    ],
  ];

  it.each(cases)('%s', (_, error, line) => {
    expect(error.message).not.toMatch(FLAG);
    expect(error.message.split('\n')).toHaveLength(1);
    expect(explain(error)).toBe(line);
  });

  it('an untyped UserError, and a typed one without a flag to name, keep their message', () => {
    expect(explain(new UserError('x.pathsum: no such file'))).toBe('x.pathsum: no such file');
    expect(explain(new BackendUnavailableError('cpu'))).toBe('the cpu backend could not be started');
    expect(explain(Object.assign(new UserError('m'), { code: 'toString' }))).toBe('m');
  });

  it('the layers below throw them; main prints the CLI line', async () => {
    expect(() => parseBackend('gpu')).toThrow(UnknownBackendError);
    expect(() => loadModel('examples/seed1.pathsum', { requireWeights: 'features' })).toThrow(MissingWeightsError);
    expect(() => loadModel('examples/big.pathsum')).toThrow(TooLargeForRandomWeightsError);
    const io = memoryIo();
    expect(await main(['features', 'examples/seed1.pathsum', '--layer', '0', '--token', '1'], io)).toBe(1);
    expect(io.err()).toBe(`pathsum: ${cases[0]![2]}\n`);
  });
});
