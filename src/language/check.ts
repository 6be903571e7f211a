// Typed AST → Architecture: the semantic rules of a spec (each dimension once, a block at most
// once per layer and attention first, norms followed by the block they apply to, renames of
// keys that exist). Every violation is a SpecError at the statement at fault.
import type { Architecture, AttentionBlock, BilinearBlock, Layer, NormKind, Unembedding } from './architecture.js';
import type { LayerStatement, Loc, ModelAst, ModelStatement, SpecAst } from './ast.js';
import { nearest } from './error.js';
import type { Fail } from './parse.js';
import { show } from './visible.js';

/**
 * The most layers a model may have: far more than any real model, few enough that every command
 * stays bounded (`check` counts the terms of 10,000 layers in well under a second).
 */
export const LAYER_LIMIT = 10_000;

/** The default keys of the tensors a model of an architecture reads (the model layer knows them). */
export type WeightKeys = (arch: Architecture) => ReadonlySet<string>;

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
    if (!first) firstAt.set(s.kind, s.loc);
  };
  let positional: boolean | undefined;
  let unembed: Unembedding | undefined;
  let pendingNorm: { norm: NormKind; loc: Loc } | undefined;
  const layers: Layer[] = [];
  const renames: { key: string; to: string; loc: Loc }[] = [];

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
        pendingNorm = { norm: s.norm, loc: s.loc };
        break;
      case 'unembed':
        unembed = { bias: s.bias, ...(pendingNorm ? { norm: pendingNorm.norm } : {}) };
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
  return { ...arch, renames: checkRenames(renames, renames.length > 0 ? weightKeys(arch) : new Set(), fail) };
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
  let pendingNorm: { norm: NormKind; loc: Loc } | undefined;
  const norm = () => (pendingNorm ? { norm: pendingNorm.norm } : {});
  for (const s of body) {
    switch (s.kind) {
      case 'norm':
        if (pendingNorm) fail('two norms in a row: a norm applies to the one block that follows it', s.loc);
        pendingNorm = { norm: s.norm, loc: s.loc };
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

function checkRenames(
  renames: { key: string; to: string; loc: Loc }[],
  targets: ReadonlySet<string>,
  fail: Fail,
): Map<string, string> {
  const result = new Map<string, string>();
  const usedNames = new Map<string, string>();
  for (const { key, to, loc } of renames) {
    if (!targets.has(key)) {
      const guess = nearest(key, [...targets]);
      fail(
        `cannot rename '${show(key)}': this model has no such weight`,
        loc,
        guess ? `did you mean '${guess}'?` : 'rename one of the keys that `pathsum check` lists',
      );
    }
    if (result.has(key)) fail(`'${show(key)}' is renamed twice`, loc);
    const clash = usedNames.get(to) ?? (targets.has(to) && !renames.some(r => r.key === to) ? to : undefined);
    if (clash) fail(`'${show(to)}' would name two tensors ('${show(clash)}' and '${show(key)}')`, loc);
    result.set(key, to);
    usedNames.set(to, key);
  }
  return result;
}

/** A block statement's declared fields, without its kind and location: the block's options. */
function declared<S extends { readonly kind: string; readonly loc: Loc }>(statement: S): Omit<S, 'kind' | 'loc'> {
  const { kind: _kind, loc: _loc, ...options } = statement;
  return options;
}
