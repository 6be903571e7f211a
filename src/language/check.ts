// Typed AST → Architecture: the semantic rules of a spec (each dimension once, a block at most
// once per layer and attention first, norms followed by the block they apply to, renames of
// keys that exist). Every violation is a SpecError at the statement at fault.
import type {
  Architecture,
  AttentionBlock,
  BilinearBlock,
  Layer,
  Layout,
  NormOptions,
  Rename,
  Unembedding,
} from './architecture.js';
import type { LayerStatement, Loc, ModelAst, ModelStatement, NormStatement, SpecAst } from './ast.js';
import { nearest } from './error.js';
import type { Fail } from './parse.js';
import { show } from './visible.js';

/**
 * The most layers a model may have: far more than any real model, few enough that every command
 * stays bounded (`check` counts the terms of 10,000 layers in well under a second).
 */
export const LAYER_LIMIT = 10_000;

/** The default keys of the tensors a model of an architecture reads, with their shapes (the model layer knows them). */
export type WeightKeys = (arch: Architecture) => ReadonlyMap<string, readonly number[]>;

export function check(ast: SpecAst, fail: Fail, weightKeys: WeightKeys): Architecture[] {
  const seen = new Map<string, Loc>();
  return ast.models.map(model => {
    const first = seen.get(model.name);
    if (first)
      fail(
        `a second model named '${show(model.name)}' (the first is on line ${first.line})`,
        model.loc,
        'give each model its own name',
      );
    seen.set(model.name, model.loc);
    return checkModel(model, fail, weightKeys);
  });
}

type Dimension = 'vocab' | 'context' | 'width';

function checkModel(model: ModelAst, fail: Fail, weightKeys: WeightKeys): Architecture {
  const dims = new Map<Dimension, number>();
  const firstAt = new Map<string, Loc>();
  const once = (s: ModelStatement) => {
    const first = firstAt.get(s.kind);
    if (first && s.kind !== 'layer' && s.kind !== 'layers' && s.kind !== 'rename' && s.kind !== 'norm') {
      fail(`'${s.kind}' is given twice (first on line ${first.line})`, s.loc);
    }
    // Stryker disable next-line ConditionalExpression: equivalent, a repeat is refused above or its loc never read
    if (!first) firstAt.set(s.kind, s.loc);
  };
  let positional: boolean | undefined;
  let unembed: Unembedding | undefined;
  let pendingNorm: NormStatement | undefined;
  const layers: Layer[] = [];
  const renames: RenameStatement[] = [];

  for (const s of model.body) {
    once(s);
    if (pendingNorm && s.kind !== 'unembed')
      fail(
        `'norm ${pendingNorm.norm}' here applies to nothing: in a model body it must come right before 'unembed'`,
        pendingNorm.loc,
        'put a block norm inside the layer, before its block',
      );
    switch (s.kind) {
      case 'vocab':
      case 'context':
      case 'width':
        dims.set(s.kind, s.value);
        break;
      case 'embed':
        if (layers.length > 0) fail("'embed' must come before the layers", s.loc);
        positional = s.positional;
        break;
      case 'norm':
        pendingNorm = s;
        break;
      case 'unembed':
        unembed = { bias: s.bias, ...normFields(pendingNorm) };
        pendingNorm = undefined;
        break;
      case 'layer':
      case 'layers': {
        if (unembed) fail('layers must come before the unembedding', s.loc);
        const layer = checkLayer(s.body, s.loc, fail);
        const count = s.kind === 'layers' ? s.count : 1;
        if (layers.length + count > LAYER_LIMIT) tooManyLayers(model.name, layers.length + count, s.loc, fail);
        for (let i = 0; i < count; i++) layers.push(layer);
        break;
      }
      case 'rename':
        renames.push(s);
        break;
    }
  }
  if (pendingNorm)
    fail(`'norm ${pendingNorm.norm}' applies to nothing: it must come right before 'unembed'`, pendingNorm.loc);
  const missing = (what: string, example: string): never =>
    fail(`model '${show(model.name)}' has no '${what}'`, model.loc, `add '${example}' to its body`);
  const arch: Architecture = {
    name: model.name,
    vocab: dims.get('vocab') ?? missing('vocab', 'vocab V'),
    context: dims.get('context') ?? missing('context', 'context N'),
    width: dims.get('width') ?? missing('width', 'width D'),
    positional: positional ?? missing('embed', 'embed'),
    layers,
    unembed: unembed ?? missing('unembed', 'unembed'),
    renames: new Map(),
  };
  // Stryker disable next-line ConditionalExpression,EqualityOperator: speed only, no rename reads no key
  return { ...arch, renames: checkRenames(renames, renames.length > 0 ? weightKeys(arch) : new Map(), layers, fail) };
}

function tooManyLayers(model: string, count: number, at: Loc, fail: Fail): never {
  return fail(
    `model '${show(model)}' would have ${count} layers; the limit is ${LAYER_LIMIT}`,
    at,
    'the limit keeps every command bounded; real models have at most a few hundred layers',
  );
}

function checkLayer(body: readonly LayerStatement[], at: Loc, fail: Fail): Layer {
  let attention: AttentionBlock | undefined;
  let bilinear: BilinearBlock | undefined;
  let pendingNorm: NormStatement | undefined;
  const norm = () => normFields(pendingNorm);
  for (const s of body) {
    switch (s.kind) {
      case 'norm':
        if (pendingNorm) fail('two norms in a row: a norm applies to the one block that follows it', s.loc);
        pendingNorm = s;
        continue;
      case 'attention':
        if (attention) fail('a second attention block in one layer', s.loc, "start a new 'layer { … }' for it");
        if (bilinear)
          fail(
            'attention after the bilinear block: within a layer, attention comes first',
            s.loc,
            "move it up, or start a new 'layer { … }'",
          );
        attention = { ...declared(s), ...norm() };
        break;
      case 'bilinear':
        if (bilinear) fail('a second bilinear block in one layer', s.loc, "start a new 'layer { … }' for it");
        bilinear = { ...declared(s), ...norm() };
        break;
    }
    pendingNorm = undefined;
  }
  if (pendingNorm)
    fail(
      `'norm ${pendingNorm.norm}' at the end of a layer applies to nothing`,
      pendingNorm.loc,
      'a norm goes right before the block it normalizes',
    );
  if (!attention && !bilinear) fail('a layer needs an attention or bilinear block', at);
  return { ...(attention ? { attention } : {}), ...(bilinear ? { bilinear } : {}) };
}

/** A norm statement as the fields of the block it normalizes: its kind, and its options where not the defaults. */
function normFields(s: NormStatement | undefined): { norm?: NormStatement['norm']; normOptions?: NormOptions } {
  if (!s) return {};
  const options = {
    ...(s.gain === false ? { gain: false as const } : {}),
    ...(s.eps === undefined ? {} : { eps: s.eps }),
  };
  return { norm: s.norm, ...(Object.keys(options).length > 0 ? { normOptions: options } : {}) };
}

type RenameStatement = Extract<ModelStatement, { kind: 'rename' }>;

const LAYER = '{l}';

function checkRenames(
  renames: readonly RenameStatement[],
  targets: ReadonlyMap<string, readonly number[]>,
  layers: readonly Layer[],
  fail: Fail,
): Map<string, Rename> {
  const result = new Map<string, Rename>();
  const readers = new Map<string, { key: string; layout: Layout }[]>();
  const renamed = new Set(renames.flatMap(r => perLayer(r, layers.length).map(([key]) => key)));
  for (const statement of renames) {
    const { loc, layout } = statement;
    for (const [key, to] of existing(statement, targets, layers.length, fail)) {
      if (result.has(key)) fail(`'${show(key)}' is renamed twice`, loc);
      checkLayout(key, layout, targets.get(key)!, loc, fail);
      const others = readers.get(to) ?? [];
      const unrenamedDefault = targets.has(to) && !renamed.has(to) ? to : undefined;
      const clash = unrenamedDefault ?? others.find(o => !distinctParts(o.layout, layout))?.key;
      if (clash) fail(`'${show(to)}' would name two tensors ('${show(clash)}' and '${show(key)}')`, loc, sharingHint);
      result.set(key, { name: to, layout });
      readers.set(to, [...others, { key, layout }]);
    }
  }
  return result;
}

const sharingHint = "renames may share a stored tensor only as different parts of it, 'rows I of N'";

/** The (key, name) pairs a rename stands for: one, or one per layer for a key with `{l}`. */
function perLayer(r: RenameStatement, layerCount: number): [string, string][] {
  if (!r.key.includes(LAYER)) return [[r.key, r.to]];
  return Array.from({ length: layerCount }, (_, l) => [
    r.key.replaceAll(LAYER, `${l}`),
    r.to.replaceAll(LAYER, `${l}`),
  ]);
}

/** The pairs of a rename whose keys the model has: all of them, or for `{l}`, those of the layers that have it. */
function existing(
  r: RenameStatement,
  targets: ReadonlyMap<string, readonly number[]>,
  layerCount: number,
  fail: Fail,
): [string, string][] {
  const keys = [...targets.keys()];
  if (r.key.includes(LAYER) && !/^blocks\.\{l\}\.[^{]+$/.test(r.key))
    fail(
      `'${show(r.key)}': '{l}' stands for every layer, so it goes only in a per-layer key`,
      r.loc,
      'write e.g. \'rename blocks.{l}.attn.W_O "h.{l}.o"\'',
    );
  if (r.to.includes(LAYER) && !r.key.includes(LAYER))
    fail(`'{l}' in '${show(r.to)}' needs a '{l}' in the key '${show(r.key)}' too`, r.loc);
  const pairs = perLayer(r, layerCount).filter(([key]) => targets.has(key));
  if (pairs.length > 0) return pairs;
  const guess = nearest(r.key.replaceAll(LAYER, '0'), keys);
  return fail(
    `cannot rename '${show(r.key)}': this model has no such weight${r.key.includes(LAYER) ? ' in any layer' : ''}`,
    r.loc,
    guess
      ? `did you mean '${guess.replace(/^blocks\.0\./, r.key.includes(LAYER) ? 'blocks.{l}.' : 'blocks.0.')}'?`
      : 'rename one of the keys that `pathsum check` lists',
  );
}

/** Two renames may read one stored tensor only as different row parts of one cut. */
function distinctParts(a: Layout, b: Layout): boolean {
  return a.rows !== undefined && b.rows !== undefined && a.rows.of === b.rows.of && a.rows.part !== b.rows.part;
}

function checkLayout(key: string, layout: Layout, shape: readonly number[], loc: Loc, fail: Fail): void {
  if (layout.form === 'linear' && shape.length < 2)
    fail(`'linear' reads an nn.Linear weight, but '${show(key)}' is a vector`, loc, "drop 'linear' for a bias");
  if (layout.form === 'transposed' && shape.length !== 2)
    fail(
      `'transposed' applies to a matrix, but '${show(key)}' has ${shape.length} axes`,
      loc,
      "use 'linear' for per-head maps",
    );
}

/** A block statement's declared fields, without its kind and location: the block's options. */
function declared<S extends { readonly kind: string; readonly loc: Loc }>(statement: S): Omit<S, 'kind' | 'loc'> {
  const { kind: _kind, loc: _loc, ...options } = statement;
  return options;
}
