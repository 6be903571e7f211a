// The values the command-line grammar gives each flag: what a user means three times in four, an edge
// the rest (integers just past 2³², empty strings, special files, control characters, deep nesting).
// Long values stay under Linux's 128 KiB limit on one argument, so that a subprocess can be given them too.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { CASE_ENTRIES, example, type Fixtures, ROOT } from './harness.js';

const integers = [
  '0',
  '1',
  '2',
  '3',
  '7',
  '-1',
  '-0',
  '00',
  '+1',
  ' 2',
  '1.5',
  '1e3',
  '0x1f',
  '',
  'NaN',
  'Infinity',
  '٣',
  '4294967295',
  '4294967296',
  '9007199254740993',
  '99999999999999999999',
];
/** Integers without a large valid one: for flags whose cost grows with their value. */
const smallIntegers = integers.filter(s => !/^\d{3,}$/.test(s) && s !== '00');

const integer = fc.oneof(fc.constantFrom(...integers), fc.integer({ min: -3, max: 70 }).map(String));
const smallInteger = fc.oneof(fc.constantFrom(...smallIntegers), fc.integer({ min: -3, max: 3 }).map(String));

const integerList = fc.oneof(
  fc.constantFrom('1,2,3', '0', '3,14,15', '1,,2', '', ',', '-1,2', '1, 2', '63', '64', '1e3', 'a,b', '0,1'),
  fc.array(fc.oneof(fc.nat(70).map(String), fc.constantFrom(...integers)), { maxLength: 20 }).map(a => a.join(',')),
  fc.constant(Array.from({ length: 50_000 }, (_, i) => i % 7).join(',')),
);

/** Strings a fuzzer would throw: any unicode, controls, names of Object's own properties, floods. */
export const junk = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    '-',
    '--',
    '---x',
    '--=x',
    '-x',
    '\u001b[2J',
    'a\u0000b',
    '\u202etxt',
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
  ),
  fc.constant('x'.repeat(100_000)),
);

/** Formulas built from the symbols of docs/notation.md, indices drawn small, and deep nests. */
function identities(): fc.Arbitrary<string> {
  const table = readFileSync(`${ROOT}/docs/notation.md`, 'utf8');
  const symbols = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map(m => m[1]!);
  const index = fc.constantFrom('0', '1', '3', '0.0', '0.1', '1.0', '7.9', 'l.h', '');
  const symbol = fc
    .tuple(fc.constantFrom(...symbols), index, index)
    .map(([s, a, b]) => s.replace('{l.h}', `{${a}}`).replace('{l}', `{${b}}`));
  const operator = fc.constantFrom(' ⊗ ', ' • ', ' ', ' + ', ' · ', 'ᵀ', '(', ')', ', ', '2 · ', '3/2 · ', ' = ');
  const random = fc
    .array(fc.oneof(symbol, operator), { minLength: 1, maxLength: 12 })
    .map(parts => parts.join(''))
    .chain(left => fc.constantFrom(`${left} = Id ⊗ W_U W_E`, left));
  const nested = fc
    .constantFrom(10, 1000, 20_000)
    .chain(n =>
      fc.constantFrom(
        `${'('.repeat(n)}Id ⊗ W_U W_E${')'.repeat(n)} = Id ⊗ W_U W_E`,
        `Id ⊗ W_U ${'B^{0}('.repeat(n / 4)}Id ⊗ W_E${', Id ⊗ W_E)'.repeat(n / 4)} = Id ⊗ W_U W_E`,
        `${'('.repeat(n)} = )`,
      ),
    );
  return fc.oneof(
    fc.constantFrom(
      'A^{0.1} ⊗ W_U W_OV^{0.1} W_E = A^{0.1} ⊗ W_U W_O^{0.1} W_V^{0.1} W_E',
      'A^{0.1} ⊗ W_U W_OV^{0.1} W_E = A^{0.0} ⊗ W_U W_OV^{0.1} W_E',
      'Id ⊗ W_U W_E = Id ⊗ W_U W_E',
      'Id ⊗ W_U B^{0}(Id ⊗ W_E, Id ⊗ W_E) = Id ⊗ W_U B_sym^{0}(Id ⊗ W_E, Id ⊗ W_E)',
      'Id ⊗ W_U W_E = 2 · Id ⊗ W_U W_E',
      'W_OV^{0.1} = W_O^{0.1}',
      '=',
      '',
    ),
    random,
    nested,
    junk,
  );
}

/** A value a user means (`good`, three times in four) or an edge (`bad`). */
const either = (good: fc.Arbitrary<string>, bad: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: bad });
const among = (...values: string[]) => fc.constantFrom(...values);

/**
 * Where a command reads a spec from: mostly a bundled model, sometimes something that is not a spec.
 * `cheap` leaves out the models a numeric command takes seconds on.
 */
export function specs(fx: Fixtures, cheap: boolean): fc.Arbitrary<string> {
  const models = ['attn1.pathsum', 'seed1.pathsum', 'modadd'];
  const large = ['bilinear-only.pathsum', 'full.pathsum', 'two-layer.pathsum', 'induction', 'big.pathsum'];
  const bad = among(
    example('big.pathsum'), // numeric commands refuse to draw its 13 billion random weights
    fx.controlName,
    fx.fifo,
    fx.emptyDir,
    fx.twoSpecs,
    fx.inputs,
    '/dev/null',
    '/dev/zero',
    '.',
    'missing.pathsum',
    `${fx.dir}/missing/x.pathsum`,
    example('modadd/model.safetensors'),
    '',
  );
  return either(among(...[...models, ...(cheap ? [] : large)].map(example)), bad);
}

function files(fx: Fixtures): fc.Arbitrary<string> {
  return among(
    example('modadd/model.safetensors'),
    example('induction/model.safetensors'),
    example('modadd'),
    example('modadd/card.json'),
    example('seed1.pathsum'),
    fx.fifo,
    fx.controlName,
    fx.emptyDir,
    fx.direction,
    fx.inputs,
    '/dev/zero',
    '/dev/null',
    'missing.safetensors',
    '',
  );
}

/** -o names inside the case directory (relative to it), and a few outside that must be refused. */
function outputs(fx: Fixtures): fc.Arbitrary<string> {
  return either(
    among('out.tex', CASE_ENTRIES.regular),
    among(
      'out.txt',
      'out',
      '.tex',
      'sub/missing/out.tex',
      `x\u001b[2J\u0007.tex`,
      `${'n'.repeat(300)}.tex`,
      ...Object.values(CASE_ENTRIES),
      '.',
      '',
      '-',
      fx.fifo,
      fx.emptyDir,
      '/dev/null',
      '/dev/full',
    ),
  );
}

const small = (min: number, max: number) => fc.integer({ min, max }).map(String);

/** The values a flag is given, by `command --flag` first, then by `--flag`; any other flag gets edges. */
export function values(fx: Fixtures): (command: string, flag: string) => fc.Arbitrary<string> {
  const tokens = among('1,2,3', '0', '3,14,15', '5,6', '0,1,2,3,4,5,6,7');
  const byCommand: Record<string, fc.Arbitrary<string>> = {
    'verify --runs': either(small(1, 2), smallInteger),
    'latex --limit': either(small(1, 50), smallInteger),
    'eval --count': either(small(1, 3), smallInteger),
    'features --count': either(small(1, 3), smallInteger),
    'eval --tokens': either(tokens, integerList),
    'eval --position': either(small(0, 2), integer),
    'features --tokens': either(small(1, 5), integer),
    'trace --tokens': either(tokens, integerList),
    'report --tokens': either(tokens, integerList),
    'trace --threshold': either(among('0', '0.5', '1e-3', '.25'), fc.oneof(integer, junk)),
    'report --output': either(among('out.html'), outputs(fx)),
  };
  const byFlag: Record<string, fc.Arbitrary<string>> = {
    layers: either(among('0', '0,1', '1'), integerList),
    ranks: either(among('1', '1,2', '1,2,4,8'), integerList),
    position: either(among('0', '1', '0,1', '1,0'), fc.oneof(integer, integerList)),
    ablate: either(
      among('0.0', '0.1', '0.mlp'),
      among('1.0', '1.mlp', '9.9', '47.31', '0.', '.0', '0.-1', '4294967296.0'),
    ),
    identity: identities(),
    model: either(among('seed1', 'attn1', 'modadd'), fc.oneof(among('big', 'induction', 'nope'), junk)),
    format: either(among('text', 'latex', 'json'), among('JSON', 'xml', '')),
    backend: either(among('auto', 'cpu', 'wasm'), among('node', 'webgl', 'CPU', '')),
    via: either(among('embed', 'ov', 'ov:0'), among('ov:1', 'ov:9', 'ov:', 'ov:-1', 'ov:4294967296', 'foo')),
    task: either(among('modadd', 'induction'), fc.oneof(among('nope'), junk)),
    weights: either(among(example('modadd/model.safetensors')), files(fx)),
    direction: either(among(fx.direction), files(fx)),
    inputs: either(among(fx.inputs), files(fx)),
    output: outputs(fx),
    seed: either(small(0, 100), integer),
    layer: either(small(0, 1), integer),
    'max-degree': either(small(0, 3), integer),
  };
  return (command, flag) =>
    byCommand[`${command} --${flag}`] ??
    byFlag[flag] ??
    (/^(runs|limit|top|target|token|pairs|pair-tokens|period)$/.test(flag)
      ? either(small(1, 12), integer)
      : fc.oneof(integer, junk));
}
