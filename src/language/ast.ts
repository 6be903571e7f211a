// The typed AST of a spec file: statements as written, in order, each with its location.
// `layers N { … }` stays as written, so printing an AST gives back the text's structure.
import type { AttentionOptions, BilinearOptions, Layout, NormKind, NormOptions } from './architecture.js';

export interface Loc {
  readonly line: number;
  readonly col: number;
}

/** `norm rms|layer [nogain] [eps E]`. */
export type NormStatement = { readonly kind: 'norm'; readonly norm: NormKind; readonly loc: Loc } & NormOptions;

export type LayerStatement =
  | NormStatement
  | ({ readonly kind: 'attention'; readonly loc: Loc } & AttentionOptions)
  | ({ readonly kind: 'bilinear'; readonly loc: Loc } & BilinearOptions);

export type ModelStatement =
  | { readonly kind: 'vocab' | 'context' | 'width'; readonly value: number; readonly loc: Loc }
  | { readonly kind: 'embed'; readonly positional: boolean; readonly loc: Loc }
  | { readonly kind: 'unembed'; readonly bias: boolean; readonly loc: Loc }
  | NormStatement
  | { readonly kind: 'layer'; readonly body: readonly LayerStatement[]; readonly loc: Loc }
  | { readonly kind: 'layers'; readonly count: number; readonly body: readonly LayerStatement[]; readonly loc: Loc }
  | {
      readonly kind: 'rename';
      /** A default key; `{l}` in it (and in `to`) stands for every layer. */
      readonly key: string;
      readonly to: string;
      readonly layout: Layout;
      readonly loc: Loc;
    };

export interface ModelAst {
  readonly name: string;
  readonly body: readonly ModelStatement[];
  readonly loc: Loc;
}

export interface SpecAst {
  readonly models: readonly ModelAst[];
}

export const modelKeywords = [
  'vocab',
  'context',
  'width',
  'embed',
  'unembed',
  'norm',
  'layer',
  'layers',
  'rename',
] as const;
export const layerKeywords = ['norm', 'attention', 'bilinear'] as const;
