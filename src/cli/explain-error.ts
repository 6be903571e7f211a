// Typed errors in the words of the command line. Below src/cli, errors name what was wrong as a library
// caller sees it (a weights file, the allowExtra option, the option `via`); only here do they name the
// flag that the user can change. The classes are imported as types alone: main.ts loads this module for
// every command, and `check` must not load tfjs, which the numeric modules do.
import type { OptionError, UserError } from '../errors.js';
import type { AmbiguousModelError } from '../language/index.js';
import type { BackendUnavailableError, UnknownBackendError } from '../numeric/backend.js';
import type { MissingWeightsError, TooLargeForRandomWeightsError } from '../numeric/model.js';
import type { UnusedTensorError } from '../numeric/weights.js';

type Explained =
  | OptionError
  | AmbiguousModelError
  | MissingWeightsError
  | TooLargeForRandomWeightsError
  | UnknownBackendError
  | BackendUnavailableError
  | UnusedTensorError;

/** One line per kind of typed error: the message with the flag that sets what was wrong. */
const words: { readonly [E in Explained as E['code']]: (error: E) => string } = {
  // the options that throw one (position, via, identity) are spelt as their flags
  option: e => `--${e.option}${e.value === undefined ? '' : ` ${e.value}`}: ${e.reason}`,
  'ambiguous-model': e =>
    `${e.file} defines ${e.models.length} models (${e.models.join(', ')}): choose one with --model NAME`,
  'missing-weights': e =>
    `${e.command}: --weights FILE is required (or give a model directory holding model.safetensors)`,
  'too-large-for-random-weights': e => `${e.statement}; pass --weights FILE`,
  'unknown-backend': e => `--backend must be one of ${e.choices.join(', ')}, found '${e.value}'`,
  'backend-unavailable': e => (e.alternative ? `${e.statement}, or use --backend ${e.alternative}` : e.message),
  'unused-tensor': e => `${e.statement}; pass --allow-extra to ignore unused tensors`,
};

/** The line main prints for a UserError: its own message unless it is one of the typed errors above. */
export function explain(error: UserError): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string' || !Object.hasOwn(words, code)) return error.message;
  const explained = words[code as Explained['code']] as (e: Explained) => string;
  return explained(error as Explained);
}
