// Samples of a rewrite trace: every rule on every shape of redex it fired on, a few steps each, so
// the soundness test checks every case of every rule in seconds (bench/soundness.bench.ts: every step).
import type { Expr } from '../../src/formula/nodes.js';
import { mapChildren, type Step } from '../../src/simplify/rewrite.js';
import { everyNth } from '../sample.js';

/** A node's kind and its children's kinds, e.g. `face(ones,kprod)`: which case of a rule a step exercised. */
export function redexShape(e: Expr): string {
  const children: string[] = [];
  mapChildren(e, c => {
    children.push(c.kind);
    return c;
  });
  return `${e.kind}(${children.join(',')})`;
}

/** Per rule and redex shape, up to `perShape` distinct steps, spread over the trace. */
export function sampleSteps(trace: readonly Step[], perShape: number): Step[] {
  const byCase = new Map<string, Step[]>();
  const seen = new Set<Expr>();
  for (const step of trace) {
    if (seen.has(step.before)) continue;
    seen.add(step.before);
    const key = `${step.rule} ${redexShape(step.before)}`;
    const steps = byCase.get(key) ?? byCase.set(key, []).get(key)!;
    steps.push(step);
  }
  return [...byCase.values()].flatMap(steps => everyNth(steps, perShape));
}
