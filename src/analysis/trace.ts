// `pathsum trace`: an exact, best-first tree of partial paths under one logit (docs/design.md §1 "Tracing a
// logit"). The root is the final residual stream read out at the target; expanding a node replaces its
// latest placeholder by every component written to the stream before that site. Children add up to their
// parent, so the frontier adds up to the logit at every step, whatever the budget.
import { argmax } from '../numeric/attribution.js';
import { disposeFrozen, forwardOfModel } from '../numeric/forward.js';
import type { Model } from '../numeric/model.js';
import { overflowed } from '../numeric/overflow.js';
import { hasPlaceholder, nextPlaceholder, type Partial, residual } from './partial-path.js';
import { PriorityQueue } from './priority-queue.js';
import { FrozenStream } from './trace-stream.js';

export interface TraceOptions {
  /** Expansions at most (default 100). */
  readonly budget?: number;
  /** Stop once every node that holds a placeholder is below this |contribution| (default 0). */
  readonly threshold?: number;
  /** A head's part from each source position (the pattern's column) as a child of its own. */
  readonly splitPositions?: boolean;
  /** Default: the model's top prediction at `position`. */
  readonly token?: number;
  /** Default: the last position. */
  readonly position?: number;
  readonly onExpand?: () => void;
}

export interface TraceNode {
  readonly id: number;
  readonly parent: number | null;
  readonly partial: Partial;
  /** Its exact contribution to the target logit (patterns and norm scales frozen). */
  readonly contribution: number;
  expanded: boolean;
}

export interface TraceWork {
  /** Multiply-adds of the whole trace after the forward pass: the stream's components, gradients, dot products. */
  readonly multiplyAdds: number;
  /** Multiply-adds of the expansions alone, and their floor: one n·d dot product per child. */
  readonly expansionMultiplyAdds: number;
  readonly minimumMultiplyAdds: number;
  /** The largest ratio of work to floor of one expansion. */
  readonly worstRatio: number;
}

export interface Trace {
  /** The forward pass's target logit. */
  readonly logit: number;
  readonly target: { readonly token: number; readonly position: number; readonly predicted: boolean };
  readonly nodes: readonly TraceNode[];
  /** The unexpanded nodes, largest |contribution| first: they add up to the logit. */
  readonly frontier: readonly number[];
  readonly expansions: number;
  /** Nodes of the frontier that still hold a placeholder (a whole path term cannot be expanded). */
  readonly open: number;
  readonly work: TraceWork;
}

const DEFAULT_BUDGET = 100;

export function trace(model: Model, tokens: readonly number[], options: TraceOptions = {}): Trace {
  const { logits, frozen } = forwardOfModel(model, tokens);
  let stream: FrozenStream | undefined;
  try {
    const rows = logits.arraySync();
    const position = options.position ?? tokens.length - 1;
    const token = options.token ?? argmax(rows[position]!);
    const logit = rows[position]![token]!;
    if (!Number.isFinite(logit)) throw overflowed('the forward pass', 'the logits', model.source);
    stream = new FrozenStream(model.arch, model.weights, tokens, frozen, { position, token }, options.splitPositions);
    const grown = grow(stream, logit, options);
    if (grown.nodes.some(n => !Number.isFinite(n.contribution)))
      throw overflowed('the trace', 'the contributions of its nodes', model.source);
    return {
      logit,
      target: { token, position, predicted: options.token === undefined },
      ...grown,
      work: { ...grown.work, multiplyAdds: stream.multiplyAdds },
    };
  } finally {
    stream?.dispose();
    disposeFrozen(frozen);
    logits.dispose();
  }
}

function grow(stream: FrozenStream, logit: number, options: TraceOptions) {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const threshold = options.threshold ?? 0;
  const nodes: TraceNode[] = [
    { id: 0, parent: null, partial: residual(null, 'final'), contribution: logit, expanded: false },
  ];
  const queue = new PriorityQueue<TraceNode>();
  queue.push(nodes[0]!, Math.abs(logit));
  let expansions = 0;
  let [spent, floor, worstRatio] = [0, 0, 0];
  while (expansions < budget && queue.size > 0 && queue.peek()!.priority >= threshold) {
    const node = queue.pop()!;
    const next = nextPlaceholder(node.partial, stream.layerCount)!;
    const before = stream.multiplyAdds;
    const children = stream.children(node.partial, next.steps, next.at);
    const minimum = Math.max(1, children.length * stream.n * stream.d);
    const work = stream.multiplyAdds - before;
    [spent, floor, worstRatio] = [spent + work, floor + minimum, Math.max(worstRatio, work / minimum)];
    node.expanded = true;
    for (const child of children) {
      const made: TraceNode = { id: nodes.length, parent: node.id, ...child, expanded: false };
      nodes.push(made);
      if (hasPlaceholder(child.partial)) queue.push(made, Math.abs(child.contribution));
    }
    expansions++;
    options.onExpand?.();
  }
  const frontier = nodes
    .filter(n => !n.expanded)
    .sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution))
    .map(n => n.id);
  return {
    nodes,
    frontier,
    expansions,
    open: queue.size,
    work: { expansionMultiplyAdds: spent, minimumMultiplyAdds: floor, worstRatio },
  };
}
