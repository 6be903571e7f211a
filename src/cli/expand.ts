// `pathsum expand SPEC`: the model's path terms, streamed as text, LaTeX or JSON.
import { countTerms, formatTotal } from '../model/count.js';
import { expand, type Term } from '../model/expand.js';
import { UserError } from '../errors.js';
import { boundInterning, formatTerm, rawFormula, termToJSON } from '../model/term-formula.js';
import { printExpr, type Style } from '../formula/print.js';
import { simplifyWithTrace } from '../simplify/rewrite.js';
import { factor } from '../model/factor.js';
import type { Architecture } from '../language/architecture.js';
import { loadSpecSource } from '../numeric/spec-source.js';
import { integerFlag, parseFlags } from './args.js';
import { bufferedStdout, type Io } from './io.js';
import { selection, selectionFlags, type SelectionValues } from './selection.js';
import { refuseTooManyTerms, termLimitFlags, type TermLimitValues } from './term-limit.js';

const HELP = `usage: pathsum expand SPEC [options]

Prints the model's path terms, one per line: c · K ⊗ T (docs/notation.md).
SPEC is a .pathsum file, a model directory holding one (as examples/modadd), or a Hugging Face
folder (config.json and model.safetensors, as examples/hf-induction).

  --model NAME         the model, when the file holds several
  --format F           text (default), latex or json (docs/design.md §3: {"terms": [...]})
  --no-simplify        the raw ordered expansion: both orders of every bilinear pair, formulas unrewritten
  --max-degree K       only terms of degree ≤ K in the input tokens
  --layers 0,1         only paths through these layers
  --ablate L.H|L.mlp   drop a head or a bilinear block (repeatable)
  --limit N            print the first N terms only
  --explain            after each term, the rewrite rules that produced it
  --factor             fold bilinear terms sharing an argument: Σ_p B(p, q) = B(Σ_p p, q); it holds every
                       term, so a model of more than --max-terms N (default 2,000,000) is refused
  --scores L.H         the attention scores of head H of layer L instead: one term per (query path, key
                       path), 1/√d_head · K_q ⊗ K_k ⊗ T (docs/design.md §1, score terms)
`;

interface Values extends SelectionValues, TermLimitValues {
  model?: string;
  format?: string;
  'no-simplify'?: boolean;
  limit?: string;
  explain?: boolean;
  factor?: boolean;
  scores?: string;
  help?: boolean;
}

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags<Values>('expand', args, {
    model: { type: 'string' },
    format: { type: 'string' },
    'no-simplify': { type: 'boolean' },
    limit: { type: 'string' },
    explain: { type: 'boolean' },
    factor: { type: 'boolean' },
    scores: { type: 'string' },
    ...selectionFlags,
    ...termLimitFlags,
  });
  if (values.help) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length !== 1)
    throw new UserError(
      `expand takes one spec file or model directory, found ${positionals.length}; see 'pathsum expand --help'`,
    );
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'latex' && format !== 'json')
    throw new UserError(`expand: --format must be text, latex or json, found '${format}'`);
  if (values.factor && values['no-simplify'])
    throw new UserError('expand: --factor folds the simplified sum; it cannot be combined with --no-simplify');
  // a folded sum is no longer a list of path terms, the objects of the JSON form (docs/design.md §3)
  if (values.factor && format === 'json')
    throw new UserError(
      'expand: --factor prints folded formulas as text or LaTeX; it cannot be combined with --format json',
    );
  const arch = loadSpecSource(positionals[0]!, { model: values.model });
  const options = { ...selection('expand', arch, values), symmetrize: !values['no-simplify'] };
  const limit = integerFlag('expand', 'limit', values.limit, 1) ?? Infinity;
  const simplify = !values['no-simplify'];
  if (values.scores !== undefined) {
    if (values.factor) throw new UserError('expand: --factor folds path terms; it cannot be combined with --scores');
    const scores = await import('./scores.js');
    const target = scores.scoresFlag('expand', values.scores, arch);
    const explain = values.explain === true;
    return scores.printScoreTerms(io, arch, target, { format, simplify, limit, explain, selection: options });
  }
  const out = bufferedStdout(io);
  const terms = take(expand(arch, options), limit);

  // Each line awaits `drained`: the expansion runs no faster than its reader, and stops when it goes
  if (values.factor) {
    const held = Number.isFinite(limit) ? limit : undefined;
    refuseTooManyTerms({ command: 'expand --factor', arch, options, values, limit: held });
    for (const e of factor([...terms], arch)) {
      out.write(`${printExpr(e, format === 'latex' ? 'latex' : 'text')}\n`);
      await out.drained();
    }
  } else if (format === 'json') {
    out.write('{ "terms": [');
    let first = true;
    for (const t of terms) {
      out.write(`${first ? '\n' : ',\n'}  ${JSON.stringify(termToJSON(t, arch, { simplify }))}`);
      first = false;
      boundInterning();
      await out.drained();
    }
    out.write('\n] }\n');
  } else {
    for (const t of terms) {
      out.write(`${formatTerm(t, arch, format as Style, { simplify })}\n`);
      if (values.explain) out.write(explain(t, arch));
      boundInterning();
      await out.drained();
    }
  }
  out.flush();
  const total = countTerms(arch, options).total;
  if (limit !== Infinity && !('exact' in total && total.exact <= BigInt(limit))) {
    io.stderr(`showing the first ${limit} of ${formatTotal(total)} terms\n`);
  }
  return 0;
}

function* take(terms: Iterable<Term>, limit: number): Generator<Term> {
  let n = 0;
  for (const t of terms) {
    if (n++ >= limit) return;
    yield t;
  }
}

function explain(term: Term, arch: Architecture): string {
  const { trace } = simplifyWithTrace(rawFormula(term, arch));
  return trace.map(s => `    ${s.rule}: ${printExpr(s.before)}  ⟶  ${printExpr(s.after)}\n`).join('');
}
