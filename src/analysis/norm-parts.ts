// What of a frozen norm a weight-only readout applies: everything but its per-position scale, which is
// left out. Named from the norm itself, so that a norm without a gain (`nogain`) is never said to have one.
import type { Norm } from '../model/blocks/norm.js';

/** `gain`, `centering` (LayerNorm) and, when asked, `bias`: the parts of `norm` that are applied. */
export function appliedParts(norm: Norm, withBias = false): string[] {
  return [
    ...(norm.gain ? ['gain'] : []),
    ...(norm.kind === 'layer' ? ['centering'] : []),
    ...(withBias ? ['bias'] : []),
  ];
}

/** `gain`, `gain and centering`, `gain, centering and bias`. */
export function listed(parts: readonly string[]): string {
  return parts.length < 2 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}
