// The flags that choose which terms a command works on, shared by expand, latex and eval.
import { countTerms } from '../model/count.js';
import type { ExpandOptions } from '../model/expand.js';
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { integerFlag } from './args.js';

export const selectionFlags = {
  'max-degree': { type: 'string' },
  layers: { type: 'string' },
  ablate: { type: 'string', multiple: true },
} as const;

export interface SelectionValues {
  'max-degree'?: string;
  layers?: string;
  ablate?: string[];
}

/**
 * `--layers 0,2` keeps the paths through those layers only; `--ablate 1.3` / `--ablate 0.mlp` removes a
 * head or an MLP.
 */
export function selection(command: string, arch: Architecture, values: SelectionValues): ExpandOptions {
  const ablateHeads = new Set<string>();
  const ablateBilinear = new Set<number>();
  const layerCount = arch.layers.length;
  const kept =
    values.layers === undefined
      ? undefined
      : new Set(values.layers.split(',').map(s => layerIndex(command, s.trim(), layerCount, '--layers')));
  arch.layers.forEach((layer, l) => {
    if (kept && !kept.has(l)) {
      for (let h = 0; h < (layer.attention?.heads ?? 0); h++) ablateHeads.add(`${l}.${h}`);
      ablateBilinear.add(l);
    }
  });
  for (const item of values.ablate ?? []) {
    const m = /^(\d+)\.(\d+|mlp)$/.exec(item);
    if (!m)
      throw new UserError(`${command}: --ablate takes LAYER.HEAD or LAYER.mlp (e.g. 0.1 or 1.mlp), found '${item}'`);
    const l = layerIndex(command, m[1]!, layerCount, '--ablate');
    const layer = arch.layers[l]!;
    if (m[2] === 'mlp') {
      if (!layer.bilinear) throw new UserError(`${command}: --ablate ${item}: layer ${l} has no bilinear block`);
      ablateBilinear.add(l);
    } else {
      const h = Number(m[2]);
      if (!layer.attention || h >= layer.attention.heads)
        throw new UserError(`${command}: --ablate ${item}: layer ${l} has no head ${h}`);
      ablateHeads.add(`${l}.${h}`);
    }
  }
  const maxDegree = integerFlag(command, 'max-degree', values['max-degree']);
  // a cap at or above the model's top degree keeps every term: dropped, so that no count is kept per
  // degree up to it (`--max-degree 4294967296` on a two-layer model)
  const capped = maxDegree !== undefined && BigInt(maxDegree) < countTerms(arch).maxDegree;
  return { ablateHeads, ablateBilinear, ...(capped ? { maxDegree } : {}) };
}

/** The selection flags as given, when they leave some term out; empty when they keep every term. */
export function namedFilters(chosen: ExpandOptions, values: SelectionValues): string[] {
  const removes =
    (chosen.ablateHeads?.size ?? 0) > 0 || (chosen.ablateBilinear?.size ?? 0) > 0 || chosen.maxDegree !== undefined;
  if (!removes) return [];
  return [
    ...(values['max-degree'] === undefined ? [] : [`--max-degree ${values['max-degree']}`]),
    ...(values.layers === undefined ? [] : [`--layers ${values.layers}`]),
    ...(values.ablate ?? []).map(a => `--ablate ${a}`),
  ];
}

function layerIndex(command: string, text: string, count: number, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) >= count)
    throw new UserError(`${command}: ${flag}: '${text}' is not a layer of this model (layers 0 to ${count - 1})`);
  return Number(text);
}
