// The numeric backend. Everything numeric goes through the tfjs-core API; the kernels come from
// @tensorflow/tfjs-node when a user has installed it (it downloads libtensorflow at install time,
// so it is never a dependency), else the wasm backend (its binary ships inside the npm package),
// else the pure-JS cpu backend.
import { UserError } from '../errors.js';

export type BackendChoice = 'auto' | 'node' | 'wasm' | 'cpu';
export const backendChoices: readonly BackendChoice[] = ['auto', 'node', 'wasm', 'cpu'];

let chosen: string | undefined;

/** Selects (once) and returns the backend actually in use. */
export async function useBackend(choice: BackendChoice = 'auto'): Promise<string> {
  if (chosen && (choice === 'auto' || choice === chosen)) return chosen;
  const order: Exclude<BackendChoice, 'auto'>[] = choice === 'auto' ? ['node', 'wasm', 'cpu'] : [choice];
  // tfjs loads here, not when a command starts: parsing flags and specs never waits for it
  const tf = await import('@tensorflow/tfjs-core');
  for (const name of order) {
    if (await register(name)) {
      // PROD silences tfjs's console banners ("install our node backend"), which a user cannot act on
      tf.env().set('PROD', true);
      if (await tf.setBackend(name === 'node' ? 'tensorflow' : name)) {
        await tf.ready();
        chosen = name;
        return name;
      }
    }
  }
  throw new BackendUnavailableError(choice);
}

/** A backend that cannot be started; for node, most often because @tensorflow/tfjs-node is not installed. */
export class BackendUnavailableError extends UserError {
  readonly code = 'backend-unavailable';
  /** What went wrong, without the way out. */
  readonly statement: string;
  /** A backend that ships with pathsum, to use instead. */
  readonly alternative: BackendChoice | undefined;
  constructor(readonly backend: BackendChoice) {
    const node = backend === 'node';
    const statement = node
      ? "the node backend needs @tensorflow/tfjs-node: install it with 'npm install @tensorflow/tfjs-node' " +
        '(it downloads libtensorflow)'
      : `the ${backend} backend could not be started`;
    super(node ? `${statement}, or use the wasm backend` : statement);
    this.statement = statement;
    this.alternative = node ? 'wasm' : undefined;
  }
}

/** A backend name that is none of backendChoices. */
export class UnknownBackendError extends UserError {
  readonly code = 'unknown-backend';
  readonly choices = backendChoices;
  constructor(readonly value: string) {
    super(`unknown backend '${value}': the backends are ${backendChoices.join(', ')}`);
  }
}

async function register(name: Exclude<BackendChoice, 'auto'>): Promise<boolean> {
  try {
    if (name === 'node') await import(/* optional, not a dependency */ '@tensorflow/tfjs-node' as string);
    if (name === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    if (name === 'cpu') await import('@tensorflow/tfjs-backend-cpu');
    return true;
  } catch {
    return false;
  }
}

export function parseBackend(value: string | undefined): BackendChoice {
  if (value === undefined) return 'auto';
  if (!(backendChoices as readonly string[]).includes(value)) throw new UnknownBackendError(value);
  return value as BackendChoice;
}
