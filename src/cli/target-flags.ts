// The flags of the commands that explain one logit on one token sequence (eval, trace, report, latex --tokens):
// the spec, the tokens, which logit (--target, --position), and how to compute it (--backend, --quiet).
import { UserError } from '../errors.js';
import type { Architecture } from '../language/architecture.js';
import { integerFlag } from './args.js';

export const backendFlag = { backend: { type: 'string' } } as const;

export const targetFlags = {
  tokens: { type: 'string' },
  target: { type: 'string' },
  position: { type: 'string' },
  ...backendFlag,
  quiet: { type: 'boolean' },
} as const;

/** --target-next: the default target, named; for the commands whose help offers it. */
export const targetNextFlag = { 'target-next': { type: 'boolean' } } as const;

export interface TargetValues {
  tokens?: string;
  target?: string;
  'target-next'?: boolean;
  position?: string;
  backend?: string;
  quiet?: boolean;
}

/** The one SPEC positional every numeric command takes. */
export function oneSpec(command: string, positionals: readonly string[]): string {
  if (positionals.length !== 1)
    throw new UserError(`${command} takes one spec, found ${positionals.length}; see 'pathsum ${command} --help'`);
  return positionals[0]!;
}

export function refuseTwoTargets(command: string, values: TargetValues): void {
  if (values.target !== undefined && values['target-next'])
    throw new UserError(`${command}: --target and --target-next both choose the target; give one`);
}

/** --target and --position: a token of the model, and a position within `tokens` when they are known. */
export function targetFlag(
  command: string,
  values: TargetValues,
  arch: Architecture,
  tokens: readonly number[] | undefined,
): { token: number | undefined; position: number | undefined } {
  const token = integerFlag(command, 'target', values.target);
  if (token !== undefined && token >= arch.vocab)
    throw new UserError(`${command}: --target ${token} is not a token of this model (vocab ${arch.vocab})`);
  const position = integerFlag(command, 'position', values.position);
  if (position !== undefined && tokens && position >= tokens.length)
    throw new UserError(`${command}: --position ${position} is past the last of the ${tokens.length} tokens`);
  return { token, position };
}
