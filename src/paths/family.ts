// The family a path belongs to, in the papers' words (Elhage et al. 2021; Sharkey 2023): what a
// researcher groups terms by when asking which kind of circuit carries a prediction. Layers are
// written L0, L1, …; a virtual head is a head reading another head's output (V-composition).
import { match } from 'ts-pattern';
import { ONE, type Path } from './path.js';
import { defaultKey } from '../language/site.js';

export function pathFamily(path: Path): string {
  return match(path)
    .with({ kind: 'bilinear' }, p => {
      const args = [argument(p.left), argument(p.right)];
      // a symmetrized pair is unordered: name its two arguments in one order
      return `pair L${p.layer}: ${(p.symmetrized ? args.sort() : args).join(' × ')}`;
    })
    .otherwise(argument);
}

function argument(path: Path): string {
  return (
    match(path)
      .with({ kind: 'embed' }, () => 'direct (token)')
      .with({ kind: 'pos' }, () => 'direct (position)')
      .with({ kind: 'bias' }, p => (p.site === ONE ? 'constant 1' : `bias ${defaultKey(p.site)}`))
      .with({ kind: 'head', of: { kind: 'head' } }, p => `virtual head L${p.layer}←L${p.of.layer}`)
      .with({ kind: 'head', of: { kind: 'bilinear' } }, p => `head L${p.layer} of pair L${p.of.layer}`)
      .with({ kind: 'head' }, p => `head L${p.layer}`)
      // Stryker disable next-line ObjectLiteral: equivalent, only bilinear paths are left for the last case
      .with({ kind: 'bilinear' }, p => `pair L${p.layer}`)
      .exhaustive()
  );
}

/** The heads `l.h` a path passes through, each once: where a head's influence on a term shows. */
export function headsOf(path: Path): string[] {
  const heads = new Set<string>();
  const visit = (p: Path): void => {
    if (p.kind === 'head') {
      heads.add(`${p.layer}.${p.head}`);
      visit(p.of);
    } else if (p.kind === 'bilinear') {
      visit(p.left);
      visit(p.right);
    }
  };
  visit(path);
  return [...heads].sort();
}
