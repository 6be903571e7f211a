// The flags every numeric command shares: which model, which weights (and whether unused tensors are allowed),
// which tokens.
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import type { ModelOptions } from '../numeric/model.js';

export const modelFlags = {
  model: { type: 'string' },
  weights: { type: 'string' },
  seed: { type: 'string' },
  'allow-extra': { type: 'boolean' },
} as const;

export interface ModelValues {
  model?: string;
  weights?: string;
  seed?: string;
  'allow-extra'?: boolean;
}

/** What loadModel needs of these flags; `seed` is the checked --seed. */
export const modelOptions = (values: ModelValues, seed: number | undefined): ModelOptions => ({
  model: values.model,
  weights: values.weights,
  seed,
  allowExtra: values['allow-extra'],
});

/** `--tokens 3,14,15`: token ids of the model's vocabulary, at most its context long. */
export function tokensFlag(command: string, value: string | undefined, arch: Architecture): number[] {
  if (value === undefined)
    throw new UserError(`${command}: --tokens is required (comma-separated token ids, e.g. --tokens 3,14,15)`);
  const parts = value.split(',').map(s => s.trim());
  const tokens = parts.map((text, i) => {
    if (!/^\d+$/.test(text))
      throw new UserError(`${command}: --tokens: item ${i + 1} '${text}' is not a token id (a non-negative integer)`);
    const t = Number(text);
    if (t >= arch.vocab)
      throw new UserError(
        `${command}: --tokens: token ${t} (item ${i + 1}) is outside the vocabulary of ${arch.vocab}`,
      );
    return t;
  });
  if (tokens.length > arch.context)
    throw new UserError(`${command}: --tokens: ${tokens.length} tokens exceed the context of ${arch.context}`);
  return tokens;
}
