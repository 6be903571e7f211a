// `pathsum features SPEC`: a bilinear layer read along one output direction, as the eigenvectors of
// its interaction matrix, each projected to tokens; optionally the loss as the layer is truncated.
import type { FeatureReport } from '../analysis/features.js';
import { type DirectionChoice, readDirectionFile } from '../analysis/direction-file.js';
import type { Via } from '../analysis/tokens.js';
import type { TruncationCurve } from '../analysis/truncation.js';
import { UserError } from '../errors.js';
import { parseBackend, useBackend } from '../numeric/backend.js';
import { loadSpecSource } from '../numeric/spec-source.js';
import type { Architecture } from '../language/architecture.js';
import { integerFlag, parseFlags } from './args.js';
import { batchFlag, batchFlags, type BatchValues, taskHelp } from './batch-flags.js';
import type { Io } from './io.js';
import { regularFile } from './text-file.js';

const HELP = `usage: pathsum features SPEC --weights FILE --layer L (--token C | --direction FILE) [options]
       pathsum features MODEL_DIR --layer L (--token C | --direction FILE) [options]

Restricted to an output direction u, a bilinear layer is the quadratic form u · MLP(x) = x̃ᵀ Q_u x̃,
Q_u = Σ_k (W_out u)_k sym(w_in,k w_gate,kᵀ) (Sharkey 2023). Prints Q_u's eigenvalues (sorted by
|λ|), the share of ‖Q_u‖_F² the top k explain, and each top eigenvector read in token space.

  --weights FILE       safetensors file, or a directory with model.safetensors
  --allow-extra        ignore tensors of the weights file that the spec does not use (a warning each)
  --layer L            the layer whose bilinear block is analysed (from 0)
  --token C            u = W_U[:,C], the logit of token C (through ln_final's gain if any; direct path
                       when later blocks follow)
  --direction FILE     u read from FILE: a JSON array or whitespace-separated numbers, width d,
                       normalized to unit length
  --top K              eigenvectors described (default 5)
  --tokens N           tokens listed per eigenvector and sign (default 5)
  --pairs N            token pairs listed, one-layer models only (default 10)
  --position P[,Q]     add W_pos[P] to every token embedding (default: token embedding only); with
                       P,Q token pairs are ordered, a at position P and b at Q
  --pair-tokens N      token pairs among tokens 0..N-1 only (default: the vocabulary)
  --via embed|ov|ov:H  read tokens through the embedding (default), or as moved by the same layer's
                       heads (all summed, or head H): W_E[a] W_V W_O, attention weight 1
  --period P           Fourier analysis of token profiles over tokens 0..P-1 (default: vocabulary)
  --inputs FILE        token sequences, one per line, comma-separated; the last number of a line
                       is the target that should follow the others
  --task NAME          sequences from a task instead, sized for the model:
${taskHelp('                         ')}
  --count N            how many sequences the task makes (default: as listed)
  --seed S             the task's seed (default 0)
  --ranks 1,2,4,8      truncate every Q_{e_o} (o over the residual basis) to rank k and report the
                       loss and accuracy on the inputs (default 1,2,4,8 when inputs are given)
  --json               one JSON object (below) instead of the table
  --model NAME         the model, when the file holds several
  --backend B          auto (the default: node if @tensorflow/tfjs-node is installed, else wasm), node, wasm or cpu
  --quiet              no progress bar

With biases, x̃ = (x, 1) and Q_u is (d+1)×(d+1); u · b_out is reported as a separate constant.

JSON: { "model": string, "layer": int,
        "readout": {"kind": "unembed"|"direct-path"|"vector", "label": string, "notes": [string], "u": [d]},
        "offset": number, "homogeneous": bool, "dimension": d', "frobeniusSquared": number,
        "eigenvalues": [d'], "explained": [d'],          // explained[k-1] = share of the top k
        "inputs": {"position": int|null, "pairPosition": int|null, "via": "embed"|"ov"|"ov:H", "notes": [string]},
        "features": [ {"index": i, "eigenvalue": λ, "share": λ²/‖Q‖², "vector": [d'],
                       "profile": [V], "tokens": {"top": [{"token","value"}], "bottom": [...]},
                       "fourier": {"frequency": ω, "share": number}} ],
        "pairs": {"top": [{"a","b","value"}], "topAbs": [...]} | null, "pairsNote"?: string,
        "truncation": {"sequences": N, "baseline": {"loss","accuracy"},
                       "points": [{"rank","kept","loss","accuracy"}]} | null }
`;

interface Values extends BatchValues {
  model?: string;
  weights?: string;
  layer?: string;
  token?: string;
  direction?: string;
  top?: string;
  tokens?: string;
  pairs?: string;
  position?: string;
  'pair-tokens'?: string;
  via?: string;
  period?: string;
  ranks?: string;
  json?: boolean;
  quiet?: boolean;
  'allow-extra'?: boolean;
  backend?: string;
  help?: boolean;
}

const string = { type: 'string' } as const;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('features', args, {
    ...Object.fromEntries(
      [
        'model',
        'weights',
        'layer',
        'token',
        'direction',
        'top',
        'tokens',
        'pairs',
        'position',
        'pair-tokens',
        'via',
        'period',
        'seed',
        'ranks',
        'backend',
      ].map(k => [k, string]),
    ),
    ...batchFlags,
    json: { type: 'boolean' },
    quiet: { type: 'boolean' },
    'allow-extra': { type: 'boolean' },
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError(
      `features takes one spec file or model directory, found ${positionals.length}; see 'pathsum features --help'`,
    );
  const backend = parseBackend(values.backend);
  const arch = loadSpecSource(positionals[0]!, { model: values.model });
  const layer = integerFlag('features', 'layer', values.layer);
  if (layer === undefined) throw new UserError('features: --layer L is required');
  const direction = directionFlag(values);
  const ranks = values.ranks === undefined ? undefined : ranksFlag(values.ranks);
  if (values.seed !== undefined && values.task === undefined)
    throw new UserError('features: --seed S seeds the sequences of --task NAME; give --task');
  const batch = batchFlag('features', values, arch);
  if (ranks && !batch)
    throw new UserError('features: --ranks needs sequences to score: give --inputs FILE or --task NAME');
  // every flag is checked: only now load tfjs and the weights
  const [{ loadModel }, { disposeWeights }, { analyzeFeatures }, { bilinearForm }, { truncationCurve }] =
    await Promise.all([
      import('../numeric/model.js'),
      import('../numeric/weights.js'),
      import('../analysis/features.js'),
      import('../analysis/bilinear.js'),
      import('../analysis/truncation.js'),
    ]);
  await useBackend(backend);
  const { weights, warnings } = loadModel(positionals[0]!, {
    model: values.model,
    weights: values.weights,
    requireWeights: 'features',
    allowExtra: values['allow-extra'],
  });
  try {
    for (const w of warnings) io.stderr(`warning: ${w}\n`);
    const report = analyzeFeatures(arch, weights, {
      layer,
      direction,
      top: integerFlag('features', 'top', values.top, 1) ?? 5,
      tokens: integerFlag('features', 'tokens', values.tokens, 1) ?? 5,
      pairs: integerFlag('features', 'pairs', values.pairs, 1) ?? 10,
      ...positionFlag(values.position),
      pairTokens: integerFlag('features', 'pair-tokens', values['pair-tokens'], 1),
      via: viaFlag(values.via),
      period: integerFlag('features', 'period', values.period, 2),
    });
    const truncation = batch
      ? truncationCurve(arch, weights, bilinearForm(arch, weights, layer), ranks ?? [1, 2, 4, 8], batch.batch)
      : null;
    io.stdout(
      values.json
        ? `${JSON.stringify({ ...report, truncation })}\n`
        : formatReport(report, truncation, batch?.source, flagHints(arch, layer, values)),
    );
    return 0;
  } finally {
    disposeWeights(weights);
  }
}

function directionFlag(values: Values): DirectionChoice {
  if ((values.token === undefined) === (values.direction === undefined))
    throw new UserError('features: give exactly one of --token C and --direction FILE');
  if (values.direction !== undefined) return readDirectionFile(regularFile(values.direction, 'the direction'));
  return { kind: 'token', token: integerFlag('features', 'token', values.token)! };
}

function positionFlag(value: string | undefined): { position?: number; pairPosition?: number } {
  if (value === undefined) return {};
  const [p, q, ...rest] = value.split(',');
  if (rest.length) throw new UserError(`features: --position takes P or P,Q, found '${value}'`);
  return {
    position: integerFlag('features', 'position', p),
    ...(q === undefined ? {} : { pairPosition: integerFlag('features', 'position', q) }),
  };
}

function viaFlag(value: string | undefined): Via {
  if (value === undefined || value === 'embed') return { kind: 'embed' };
  if (value === 'ov') return { kind: 'ov' };
  const head = /^ov:([0-9]+)$/.exec(value);
  if (!head) throw new UserError(`features: --via must be embed, ov or ov:H (a head of the layer), found '${value}'`);
  return { kind: 'ov', head: Number(head[1]) };
}

function ranksFlag(value: string): number[] {
  const parts = value.split(',');
  return parts.map(p => integerFlag('features', 'ranks', p.trim(), 1)!);
}

const signed = (x: number, digits = 4) => `${x < 0 ? '−' : '+'}${Math.abs(x).toPrecision(digits)}`;
const percent = (x: number) => `${(100 * x).toFixed(1)}%`;

/** The flags that read the tokens otherwise, when they apply to this model and layer and were not given. */
function flagHints(arch: Architecture, layer: number, values: Values): string[] {
  return [
    ...(arch.positional && values.position === undefined ? ['--position P adds W_pos[P] to every token'] : []),
    ...(arch.layers[layer]?.attention && values.via === undefined
      ? [`--via ov reads the tokens as layer ${layer}'s heads move them`]
      : []),
  ];
}

export function formatReport(
  report: FeatureReport,
  truncation: TruncationCurve | null,
  source?: string,
  hints: readonly string[] = [],
): string {
  const { dimension: n } = report;
  const domain = report.homogeneous ? ' over x̃ = (x, 1)' : '';
  const constant = report.homogeneous ? `, constant u·b_out = ${signed(report.offset)}` : '';
  const lines = [
    `model ${report.model}, layer ${report.layer} (bilinear), readout ${report.readout.label}`,
    ...report.readout.notes.map(s => `  note: ${s}`),
    `Q_u: ${n}×${n} symmetric${domain}, ‖Q_u‖_F² = ${report.frobeniusSquared.toPrecision(5)}${constant}`,
    ...report.inputs.notes.map(s => `  tokens: ${s}`),
    ...(hints.length ? [`  tokens: otherwise ${hints.join('; ')}`] : []),
    '',
    `   #  eigenvalue  share   cumul.  fourier      tokens (+)  |  tokens (−)`,
    ...report.features.map(f => {
      const tokens = (list: { token: number; value: number }[]) =>
        list.map(t => `${t.token} ${signed(t.value, 3)}`).join(', ');
      const fourier = f.fourier.frequency ? `ω=${f.fourier.frequency} ${percent(f.fourier.share)}` : '—';
      const cumulative = percent(report.explained[f.index - 1]!);
      return (
        `${String(f.index).padStart(4)}  ${signed(f.eigenvalue).padStart(10)}  ${percent(f.share).padStart(6)}  ` +
        `${cumulative.padStart(6)}  ${fourier.padEnd(11)}  ${tokens(f.tokens.top)}  |  ${tokens(f.tokens.bottom)}`
      );
    }),
    `  share of ‖Q_u‖_F² by the top k: ${[1, 2, 4, 8, 16, 32]
      .filter(k => k <= n)
      .map(k => `k=${k} ${percent(report.explained[k - 1]!)}`)
      .join(', ')}`,
  ];
  if (report.pairs) {
    const { position, pairPosition } = report.inputs;
    const order = pairPosition === null ? 'unordered' : `a at position ${position}, b at position ${pairPosition}`;
    lines.push('', `token pairs T[a,b] = x̃_aᵀ Q_u x̃_b, ${order}:`);
    lines.push(`  largest:      ${pairList(report.pairs.top)}`, `  largest |T|:  ${pairList(report.pairs.topAbs)}`);
  } else if (report.pairsNote) {
    lines.push('', `token pairs: not tabled (${report.pairsNote})`);
  }
  if (truncation) {
    lines.push(
      '',
      `truncation: every Q_{e_o} to rank k, scored on ${truncation.sequences} sequences (${source}):`,
      '   rank    kept     loss  accuracy',
    );
    const row = (rank: string, kept: number, loss: number, accuracy: number) =>
      `  ${rank.padStart(5)}  ${percent(kept).padStart(6)}  ` +
      `${loss.toFixed(4).padStart(7)}  ${percent(accuracy).padStart(8)}`;
    lines.push(row('full', 1, truncation.baseline.loss, truncation.baseline.accuracy));
    for (const p of truncation.points) lines.push(row(String(p.rank), p.kept, p.loss, p.accuracy));
  }
  return `${lines.join('\n')}\n`;
}

/** A list of token pairs with their table entries, as `features` prints it: `(17, 42) +131, (16, 41) +128`. */
export function pairList(list: readonly { a: number; b: number; value: number }[]): string {
  return list.map(p => `(${p.a}, ${p.b}) ${signed(p.value, 3)}`).join(', ');
}
