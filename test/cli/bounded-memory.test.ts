// Issue 11, "never eat the machine": `expand` of a model of 2.5·10¹² terms streams in a fixed heap and stops
// when its reader leaves; the commands that hold every term (eval, verify, latex, expand --factor) count them
// first and refuse past --max-terms in one line. Timing figures live in bench/streaming.bench.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryIo, OUTPUT_CLOSED_STATUS } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { internedNodes } from '../../src/formula/nodes.js';
import { loadSpec } from '../../src/model/spec.js';
import { expand } from '../../src/model/expand.js';
import { pairs } from '../../src/model/stream.js';
import { boundInterning, formatTerm } from '../../src/model/term-formula.js';
import { internedPaths } from '../../src/paths/path.js';
import { BIN } from '../fuzz/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'pathsum-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LAYERS = 4;
const HEADS = 2;
const SPEC = join(dir, 'deep.pathsum');
writeFileSync(
  SPEC,
  `model deep {\n  vocab 64; context 16; width 32\n  embed\n` +
    `  layers ${LAYERS} {\n    attention heads ${HEADS} size 8\n    bilinear hidden 32\n  }\n  unembed\n}\n`,
);

/**
 * The term count by hand (docs/design.md §1): the embedding writes 1 path; attention of H heads maps a
 * stream of s paths to s + H·s; a symmetrized bilinear block to s + s(s+1)/2 (unordered pairs with repetition).
 */
function handCount(layers: number): bigint {
  let s = 1n;
  for (let l = 0; l < layers; l++) {
    s += BigInt(HEADS) * s;
    s += (s * (s + 1n)) / 2n;
  }
  return s;
}
const TOTAL = handCount(LAYERS);

async function cli(...argv: string[]) {
  const io = memoryIo();
  const code = await main(argv, io);
  return { code, out: io.out(), err: io.err() };
}

// biome-ignore lint/suspicious/noTemplateCurlyInString: bash's expansion, read by bash
const STATUS = 'echo "pathsum exited ${PIPESTATUS[0]}" >&2';

/** Runs `bash -c script` to its end, or kills it after `seconds` (a hang then fails the assertions, not a timer). */
function shell(script: string, seconds: number): Promise<{ out: string; err: string; killed: boolean }> {
  const child = spawn('bash', ['-c', script, 'pathsum-test', BIN, SPEC], { stdio: ['ignore', 'pipe', 'pipe'] });
  let [out, err, killed] = ['', '', false];
  child.stdout.on('data', chunk => (out += chunk));
  child.stderr.on('data', chunk => (err += chunk));
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, seconds * 1000);
  return new Promise(done =>
    child.on('close', () => {
      clearTimeout(timer);
      done({ out, err, killed });
    }),
  );
}

describe('the model of this file', () => {
  it('has about 10^12 terms: the hand count is what check prints', async () => {
    expect(TOTAL).toBe(2_463_770_448_720n);
    const { out } = await cli('check', SPEC);
    expect(out).toContain(TOTAL.toLocaleString('en-US'));
  });
});

describe('expand streams', () => {
  it.concurrent('`expand | head -n 3` exits, with 3 lines and the status of a reader that left', async () => {
    const { out, err, killed } = await shell(`node "$1" expand "$2" | head -n 3; ${STATUS}`, 25);
    expect(killed, err).toBe(false);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line).toMatch(/^D?.*⊗ W_U/);
    expect(err).toContain(`pathsum exited ${OUTPUT_CLOSED_STATUS}`);
  });

  it.concurrent('`expand` runs 10 s in a 40 MB heap, ended by our timeout, not by running out of memory', async () => {
    // the expansion before issue 11 ran out of a 40 MB heap after 9,300 terms of this model (16,500 in 64 MB)
    const script = `NODE_OPTIONS=--max-old-space-size=40 timeout 10 node "$1" expand "$2" | wc -l; ${STATUS}`;
    const { err, killed, out } = await shell(script, 25);
    expect(killed).toBe(false);
    expect(err).not.toMatch(/heap out of memory|Allocation failed|FATAL ERROR/);
    expect(err).toContain('pathsum exited 124'); // timeout(1)'s status when it ended the command
    expect(Number(out.trim())).toBeGreaterThan(1000);
  });

  it('`expand --scores 3.0 --limit 3` prints 3 of the (s₃)² score terms, s₃ the terms entering layer 3', async () => {
    const entering = handCount(LAYERS - 1);
    expect(entering).toBe(739_935n);
    const { code, out, err } = await cli('expand', SPEC, '--scores', '3.0', '--limit', '3');
    expect(code).toBe(0);
    expect(out.trimEnd().split('\n')).toHaveLength(3);
    expect(err).toBe(`showing the first 3 of ${entering * entering} score terms\n`);
  });

  it.concurrent('forgetting interned paths and formulas changes no term and keeps their tables bounded', () => {
    const arch = loadSpec(SPEC);
    const bound = 1000;
    const texts = (forget: boolean) => {
      const out: string[] = [];
      let most = 0;
      for (const t of expand(arch)) {
        out.push(formatTerm(t, arch, 'text'));
        if (forget) boundInterning(bound);
        most = Math.max(most, internedNodes() + internedPaths());
        if (out.length === 2500) break;
      }
      return { out, most };
    };
    const kept = texts(false);
    const forgotten = texts(true);
    expect(forgotten.out).toEqual(kept.out);
    expect(kept.most).toBeGreaterThan(2 * bound); // so the bound was passed, and forgetting happened
    // one term adds at most a few dozen nodes to the tables past the bound before they are emptied
    expect(forgotten.most).toBeLessThan(bound + 200);
  });
});

describe('pairs of a stream', () => {
  it('held in memory or walked again, the pairs are those of two nested loops, in their order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer(), { maxLength: 12 }),
        fc.boolean(),
        fc.nat({ max: 14 }),
        (items, unordered, most) => {
          const expected: [number, number, boolean][] = [];
          for (let i = 0; i < items.length; i++)
            for (let j = unordered ? i : 0; j < items.length; j++) expected.push([items[i]!, items[j]!, i === j]);
          expect([...pairs(() => items, unordered, most)()]).toEqual(expected);
        },
      ),
    );
  });

  it('a short stream is held once: walking its pairs three times walks it once', () => {
    let walks = 0;
    const items = () => {
      walks++;
      return [1, 2, 3];
    };
    const all = pairs(items, false, 3);
    for (let k = 0; k < 3; k++) expect([...all()]).toHaveLength(9);
    expect(walks).toBe(1);
  });

  it('a long stream is never held: a stream that refuses a second copy of itself still pairs', () => {
    let live = 0;
    const items = function* () {
      live++;
      try {
        for (let i = 0; i < 50; i++) yield i;
      } finally {
        live--;
      }
    };
    let most = 0;
    let count = 0;
    for (const _ of pairs(items, true, 10)()) {
      most = Math.max(most, live);
      count++;
    }
    expect(count).toBe((50 * 51) / 2);
    expect(most).toBe(2); // the outer walk and one inner walk, no array of all 50
  });
});

describe('commands that hold every term count them first', () => {
  const count = TOTAL.toLocaleString('en-US');
  it.each([
    ['eval', ['eval', SPEC, '--tokens', '1,2,3']],
    ['verify', ['verify', SPEC, '--runs', '1']],
    ['latex', ['latex', SPEC, '-o', join(dir, 'out.tex'), '--limit', '3000000']],
    ['expand --factor', ['expand', SPEC, '--factor']],
  ])('%s refuses above --max-terms: exit 1, one line naming the count and trace', async (command, argv) => {
    const { code, out, err } = await cli(...argv);
    expect(code).toBe(1);
    expect(out).toBe('');
    const lines = err.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`${command}: model 'deep' has ${count} path terms, more than --max-terms 2,000,000`);
    expect(lines[0]).toContain("'pathsum trace'");
    expect(lines[0]).toContain('--max-degree K, --layers L, --ablate L.H');
  });

  it('counts with the filters: --layers 0 keeps 9 terms, so a bound of 9 passes and of 8 refuses', async () => {
    const layer0 = handCount(1).toString();
    expect(layer0).toBe('9');
    const evaluated = await cli(
      'eval',
      SPEC,
      '--tokens',
      '1,2',
      '--layers',
      '0',
      '--max-terms',
      '9',
      '--backend',
      'cpu',
    );
    expect(evaluated.err).not.toContain('--max-terms');
    expect(evaluated.code).toBe(0);
    expect(evaluated.out).toContain('Σ of the 9 terms');
    const refused = await cli('eval', SPEC, '--tokens', '1,2', '--layers', '0', '--max-terms', '8');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("model 'deep' has 9 path terms, more than --max-terms 8");
  });

  it('verify takes the filters of eval, and leaves out Σ terms = forward for a subset', async () => {
    const args = ['verify', SPEC, '--runs', '1', '--seed', '1', '--backend', 'cpu', '--quiet'];
    const { code, out } = await cli(...args, '--layers', '0', '--max-terms', '9');
    expect(code).toBe(0);
    expect(out).toMatch(
      /^verify deep: 9 terms, .*a filtered subset \(--layers 0\): Σ terms = forward logits not checked/,
    );
    expect(out).not.toContain('ok   Σ terms = forward logits');
    expect(out).toContain('--layers 0');
  });

  it('latex holds only its --limit without --tokens: the default 2000 passes on 10^12 terms', async () => {
    const { code, err } = await cli('latex', SPEC, '-o', join(dir, 'first.tex'));
    expect(err).not.toContain('--max-terms');
    expect(code).toBe(0);
  });

  it('expand --factor --limit N within the bound factors the first N', async () => {
    const { code, out } = await cli('expand', SPEC, '--factor', '--limit', '20');
    expect(code).toBe(0);
    expect(out.trim().split('\n').length).toBeGreaterThan(0);
  });
});
