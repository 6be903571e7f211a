// `pathsum features`: the human table, the JSON shape its help documents, truncation through the
// CLI, and one-line errors for each kind of bad input.
import { beforeAll, describe, expect, it } from 'vitest';
import { useBackend } from '../../src/numeric/backend.js';
import { disposeWeights, randomWeights } from '../../src/numeric/weights.js';
import { loadSpec } from '../../src/model/spec.js';
import { cli, type ModelFiles, tensorsOf, writeModel } from './model-files.js';
import { readFileSync } from 'node:fs';
import { plantedModel } from './planted-model.js';

const models: Record<string, ModelFiles> = {};

beforeAll(async () => {
  await useBackend(process.env.PATHSUM_TEST_BACKEND === 'cpu' ? 'cpu' : 'wasm');
  for (const name of ['seed1', 'full', 'two-layer', 'attn1', 'bilinear-only']) {
    const arch = loadSpec(`examples/${name}.pathsum`);
    const weights = randomWeights(arch, 7);
    models[name] = writeModel(readFileSync(`examples/${name}.pathsum`, 'utf8'), tensorsOf(weights));
    disposeWeights(weights);
  }
});

const run = (name: string, ...args: string[]) =>
  cli('features', models[name]!.spec, '--weights', models[name]!.weights, ...args);

interface Json {
  readout: { kind: string; u: number[]; notes: string[]; label: string };
  dimension: number;
  eigenvalues: number[];
  explained: number[];
  features: { index: number; eigenvalue: number; profile: number[]; vector: number[] }[];
  pairs: unknown;
  truncation: {
    sequences: number;
    baseline: { loss: number; accuracy: number };
    points: { rank: number; kept: number; loss: number; accuracy: number }[];
  } | null;
}

describe('pathsum features: the table', () => {
  it('one-layer model: eigenvalues with shares, tokens of both signs per eigenvector, token pairs', async () => {
    const { code, out, err } = await run('seed1', '--layer', '0', '--token', '5', '--top', '3');
    expect(code).toBe(0);
    expect(err).toBe('');
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('model seed1, layer 0 (bilinear), readout logit of token 5: W_U[:,5]');
    expect(lines).toContain('   #  eigenvalue  share   cumul.  fourier      tokens (+)  |  tokens (−)');
    const rows = lines.filter(l => /^ {3}[1-3] {2}/.test(l));
    expect(rows).toHaveLength(3);
    for (const r of rows)
      expect(r).toMatch(/^ {3}\d {2}\s+[+−]\d+\.\d+\s+\d+\.\d%\s+\d+\.\d%\s+ω=\d+ \d+\.\d%\s+\d+ [+−].*\| {2}\d+ [+−]/);
    expect(out).toMatch(/share of ‖Q_u‖_F² by the top k: k=1 .*k=32 100\.0%/);
    expect(out).toMatch(/token pairs T\[a,b\] = x̃_aᵀ Q_u x̃_b, unordered:\n {2}largest: {6}\(\d+, \d+\) [+−]/);
    expect(out).toContain('direct embedding path');
    const ov = await run('seed1', '--layer', '0', '--token', '5', '--via', 'ov:1');
    expect(ov.out).toContain(
      'tokens: inputs are moved by head 0.1: s_a W_V W_O with attention weight 1; value and output biases left out',
    );
    expect(ov.out).not.toContain('direct embedding path');
    expect(ov.out).not.toContain('tokens: otherwise');
    expect(out).toContain("tokens: otherwise --via ov reads the tokens as layer 0's heads move them\n");
  });

  it('biases, norms and W_pos are stated: homogeneous 9×9, ln_final folded in, a chosen position', async () => {
    const { code, out } = await run('full', '--layer', '0', '--token', '3', '--position', '2');
    expect(code).toBe(0);
    expect(out).toContain('Q_u: 9×9 symmetric over x̃ = (x, 1)');
    expect(out).toMatch(/constant u·b_out = /);
    expect(out).toContain("note: ln_final's gain and centering are folded into u");
    expect(out).toContain('tokens: inputs are W_E[a] + W_pos[2]');
    expect(out).toContain('ln2 of layer 0: gain applied, per-position scale left out');
    const plain = (await run('full', '--layer', '0', '--token', '3')).out;
    expect(plain).toContain('tokens: inputs are the token embeddings W_E[a] only (no W_pos row)');
    expect(plain).toContain(
      "tokens: otherwise --position P adds W_pos[P] to every token; --via ov reads the tokens as layer 0's heads " +
        'move them',
    );
    expect(out).not.toContain('--position P adds');
    const pairs = await run(
      'full',
      '--layer',
      '0',
      '--token',
      '3',
      '--position',
      '0,1',
      '--pair-tokens',
      '4',
      '--pairs',
      '16',
      '--json',
    );
    const json = JSON.parse(pairs.out) as {
      inputs: { position: number; pairPosition: number };
      pairs: { top: { a: number; b: number }[] };
    };
    expect(json.inputs).toMatchObject({ position: 0, pairPosition: 1 });
    expect(json.pairs.top).toHaveLength(16);
    expect(new Set(json.pairs.top.map(p => `${p.a},${p.b}`)).size).toBe(16);
    for (const p of json.pairs.top) expect(Math.max(p.a, p.b)).toBeLessThan(4);
    expect((await run('full', '--layer', '0', '--token', '3', '--position', '0,1')).out).toContain(
      'token pairs T[a,b] = x̃_aᵀ Q_u x̃_b, a at position 0, b at position 1:',
    );
  });

  it('names the direct-path readout when later blocks follow, and tables no pairs', async () => {
    const { code, out } = await run('two-layer', '--layer', '0', '--token', '1');
    expect(code).toBe(0);
    expect(out.split('\n')[0]).toContain('W_U[:,1] (direct path)');
    expect(out).toContain('layers 1..1 follow layer 0: this is the direct-path readout');
    expect(out).toContain('token pairs: not tabled (token pairs are tabled for one-layer models only)');
    expect((await run('two-layer', '--layer', '1', '--token', '1', '--json')).out).toContain('"kind":"unembed"');
  });
});

describe('pathsum features: JSON', () => {
  it('has the documented shape', async () => {
    const { code, out } = await run('full', '--layer', '0', '--token', '3', '--top', '4', '--json');
    expect(code).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown> & Json;
    expect(Object.keys(json)).toEqual([
      'model',
      'layer',
      'readout',
      'offset',
      'homogeneous',
      'dimension',
      'frobeniusSquared',
      'eigenvalues',
      'explained',
      'inputs',
      'features',
      'pairs',
      'truncation',
    ]);
    expect(Object.keys(json.readout).sort()).toEqual(['kind', 'label', 'notes', 'u']);
    expect(json.dimension).toBe(9);
    expect(json.eigenvalues).toHaveLength(9);
    expect(json.explained[8]).toBeCloseTo(1, 10);
    expect(json.features).toHaveLength(4);
    for (const f of json.features) {
      expect(Object.keys(f)).toEqual(['index', 'eigenvalue', 'share', 'vector', 'profile', 'tokens', 'fourier']);
      expect(f.vector).toHaveLength(9);
      expect(f.profile).toHaveLength(16);
    }
    expect(Object.keys(json.pairs as object)).toEqual(['top', 'topAbs']);
    expect(json.truncation).toBeNull();
  });

  it(
    '--direction reads a vector (JSON or whitespace) and normalizes it: ' +
      'W_U[:,c] from a file gives the token readout scaled',
    async () => {
      const token = JSON.parse((await run('seed1', '--layer', '0', '--token', '9', '--json')).out) as Json;
      const u = token.readout.u;
      const length = Math.hypot(...u);
      const files = models.seed1!;
      for (const text of [JSON.stringify(u), u.join('\n'), u.join(' ')]) {
        const { code, out } = await run('seed1', '--layer', '0', '--direction', files.file('u.txt', text), '--json');
        expect(code).toBe(0);
        const json = JSON.parse(out) as Json;
        expect(json.readout.kind).toBe('vector');
        expect(Math.hypot(...json.readout.u)).toBeCloseTo(1, 12);
        json.eigenvalues.forEach((l, i) => {
          expect(l * length).toBeCloseTo(token.eigenvalues[i]!, 8);
        });
      }
    },
  );

  it('truncation: rank ≥ the rank of every Q_{e_o} reproduces the model; lower ranks change it', async () => {
    const { files } = plantedModel(3, [4, -2], 5);
    const inputs = files.file('inputs.txt', '# a, b → target\n1,2,3\n4,5,6,7\n0,11\n9,9,9,9,1\n');
    const { code, out } = await cli(
      'features',
      files.spec,
      '--weights',
      files.weights,
      '--layer',
      '0',
      '--token',
      '5',
      '--inputs',
      inputs,
      '--ranks',
      '1,2,8',
      '--json',
    );
    expect(code).toBe(0);
    const { truncation } = JSON.parse(out) as Json;
    expect(truncation!.sequences).toBe(4);
    const [one, two, eight] = truncation!.points;
    expect(two!.kept).toBeCloseTo(1, 6);
    expect(eight!.loss).toBeCloseTo(truncation!.baseline.loss, 4);
    expect(two!.loss).toBeCloseTo(truncation!.baseline.loss, 4);
    expect(Math.abs(one!.loss - truncation!.baseline.loss)).toBeGreaterThan(1e-3);
    const human = await cli(
      'features',
      files.spec,
      '--weights',
      files.weights,
      '--layer',
      '0',
      '--token',
      '5',
      '--inputs',
      inputs,
    );
    const heading = /truncation: every Q_\{e_o\} to rank k, scored on 4 sequences \(.*inputs\.txt\):\n/;
    const table = / {3}rank {4}kept {5}loss {2}accuracy\n {2} full {2}100\.0%/;
    expect(human.out).toMatch(new RegExp(heading.source + table.source));
    expect(
      human.out
        .trimEnd()
        .split('\n')
        .slice(-4)
        .map(l => l.trim().split(/\s+/)[0]),
    ).toEqual(['1', '2', '4', '8']);
  });
});

describe('pathsum features: errors are one line, exit 1', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'unknown layer',
      ['--layer', '3', '--token', '0'],
      /^model 'seed1' has no layer 3 \(layers count from 0; it has 1\)$/,
    ],
    [
      'token out of range',
      ['--layer', '0', '--token', '64'],
      /^token 64 is out of range: the vocabulary has tokens 0\.\.63$/,
    ],
    ['negative token', ['--layer', '0', '--token', '-1'], /--token must be an integer ≥ 0|--token/],
    ['no direction', ['--layer', '0'], /^features: give exactly one of --token C and --direction FILE$/],
    ['two directions', ['--layer', '0', '--token', '1', '--direction', 'x'], /^features: give exactly one of/],
    ['no layer', ['--token', '1'], /^features: --layer L is required$/],
    [
      'missing direction file',
      ['--layer', '0', '--direction', '/nonexistent/u.txt'],
      /^\/nonexistent\/u\.txt: cannot read the direction \(no such file or directory\)$/,
    ],
    [
      'missing inputs file',
      ['--layer', '0', '--token', '1', '--inputs', '/nonexistent/in.txt'],
      /^\/nonexistent\/in\.txt: cannot read the inputs \(no such file or directory\)$/,
    ],
    [
      'ranks without inputs',
      ['--layer', '0', '--token', '1', '--ranks', '1,2'],
      /^features: --ranks needs sequences to score/,
    ],
    [
      'rank zero',
      ['--layer', '0', '--token', '1', '--ranks', '0,2'],
      /^features: --ranks must be an integer ≥ 1, found '0'$/,
    ],
    [
      'unknown task',
      ['--layer', '0', '--token', '1', '--task', 'nope'],
      /^features: no task named 'nope' \(registered: /,
    ],
    [
      'unknown --via',
      ['--layer', '0', '--token', '1', '--via', 'qk'],
      /^features: --via must be embed, ov or ov:H \(a head of the layer\), found 'qk'$/,
    ],
    ['head out of range', ['--layer', '0', '--token', '1', '--via', 'ov:2'], /^--via ov:2: layer 0 has heads 0\.\.1$/],
    [
      'three positions',
      ['--layer', '0', '--token', '1', '--position', '0,1,2'],
      /^features: --position takes P or P,Q, found '0,1,2'$/,
    ],
    [
      'no positional embedding',
      ['--layer', '0', '--token', '1', '--position', '0'],
      /^--position: model 'seed1' has no positional embedding$/,
    ],
  ];
  it.each(cases)('%s', async (_, args, message) => {
    const { code, out, err } = await run('seed1', ...args);
    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err.endsWith('\n') && err.split('\n')).toHaveLength(2);
    expect(err.replace(/^pathsum: /, '').trimEnd()).toMatch(message);
  });

  it.each([
    ['wrong length', '1 2 3', /: the direction has 3 numbers, the residual width is 32$/],
    ['zero', Array(32).fill('0').join(' '), /: the direction is zero$/],
    ['not numbers', '1 x 3', /: entry 1 of the direction is not a finite number \("x"\)$/],
    ['bad JSON', '[1, 2', /: the direction is not valid JSON$/],
    ['empty', '  \n', /: the direction is empty$/],
  ])('direction file: %s', async (_, text, message) => {
    const { code, err } = await run('seed1', '--layer', '0', '--direction', models.seed1!.file('bad-u.txt', text));
    expect(code).toBe(1);
    expect(err.trimEnd()).toMatch(message);
    expect(err.trimEnd().split('\n')).toHaveLength(1);
  });

  it.each([
    ['a token out of range', '1,2\n1,99\n', /:2: '99' is not a token \(integers 0\.\.63\)$/],
    ['a lone token', '5\n', /:1: a sequence needs at least one input token and its target$/],
    ['too long', `${Array(17).fill(1).join(',')},2\n`, /:1: 17 input tokens exceed the context of 16$/],
    ['nothing', '\n# only a comment\n', /: no token sequences$/],
  ])('inputs file: %s', async (_, text, message) => {
    const { code, err } = await run(
      'seed1',
      '--layer',
      '0',
      '--token',
      '1',
      '--inputs',
      models.seed1!.file('bad-inputs.txt', text),
    );
    expect(code).toBe(1);
    expect(err.trimEnd()).toMatch(message);
  });

  it(
    'a layer without a bilinear block or without heads for --via ov, ' + 'a missing weights file, a missing spec',
    async () => {
      const noHeads = await run('bilinear-only', '--layer', '0', '--token', '1', '--via', 'ov');
      expect([noHeads.code, noHeads.err]).toEqual([
        1,
        "pathsum: --via ov: layer 0 of model 'bilinear_only' has no attention block\n",
      ]);
      const attn = await run('attn1', '--layer', '0', '--token', '1');
      expect([attn.code, attn.err]).toEqual([1, "pathsum: layer 0 of model 'attn1' has no bilinear block\n"]);
      const missing = await cli(
        'features',
        models.seed1!.spec,
        '--weights',
        '/nonexistent/w',
        '--layer',
        '0',
        '--token',
        '1',
      );
      expect([missing.code, missing.err]).toEqual([1, 'pathsum: /nonexistent/w: no such file or directory\n']);
      const noWeights = await cli('features', models.seed1!.spec, '--layer', '0', '--token', '1');
      expect([noWeights.code, noWeights.err]).toEqual([
        1,
        'pathsum: features: --weights FILE is required (or give a model directory holding model.safetensors)\n',
      ]);
      const spec = await cli('features', '/nonexistent/m.pathsum', '--weights', 'w', '--layer', '0', '--token', '1');
      expect(spec.code).toBe(1);
      expect(spec.err).toMatch(/^pathsum: \/nonexistent\/m\.pathsum: cannot read the spec/);
    },
  );

  it('--help documents the JSON shape', async () => {
    const { code, out } = await cli('features', '--help');
    expect(code).toBe(0);
    expect(out).toContain('"features": [ {"index": i, "eigenvalue": λ');
    expect(out).toContain('"truncation": {"sequences": N');
  });
});
