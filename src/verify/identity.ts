// A user identity `FORMULA = FORMULA` in the formula language, checked against a model before any
// number is computed: every symbol it names must exist in the architecture, both sides must be
// well-shaped terms of one shape (src/formula/shape.ts), and small enough to evaluate densely.
import { OptionError, UserError } from '../errors.js';
import type { Expr } from '../formula/nodes.js';
import { FormulaError, parseFormula } from '../formula/parse-formula.js';
import { printExpr } from '../formula/print.js';
import { maxInputs, type Space, termSpace } from '../formula/shape.js';
import type { Architecture } from '../language/architecture.js';

export interface Identity {
  readonly text: string;
  readonly left: Expr;
  readonly right: Expr;
}

export function parseIdentity(text: string, arch: Architecture): Identity {
  const quoted = `"${abbreviated(text)}"`;
  const fail = (reason: string) => new OptionError('identity', quoted, reason);
  const parts = text.split('=');
  if (parts.length !== 2) throw fail("write exactly one '=' between two formulas");
  const side = (source: string, offset: number, name: string): { e: Expr; space: Space } => {
    try {
      const e = parseFormula(source);
      checkSymbols(e, arch);
      const space = termSpace(e);
      checkDenseSize(e, arch);
      return { e, space };
    } catch (error) {
      if (error instanceof FormulaError)
        throw fail(
          `column ${error.col + offset}: ${error.reason} ` +
            "(each side is a sum of terms c · K ⊗ T, as 'pathsum expand' prints them)",
        );
      if (error instanceof UserError) throw fail(`${name} side: ${error.message}`);
      throw error;
    }
  };
  const left = side(parts[0]!, 0, 'left');
  const right = side(parts[1]!, parts[0]!.length + 1, 'right');
  if (left.space !== right.space)
    throw fail(
      `the left side is n×${left.space} and the right side n×${right.space}; both sides of an identity have one shape`,
    );
  return { text, left: left.e, right: right.e };
}

/** A one-line error quotes a long identity by its ends; its columns still count in the whole text. */
function abbreviated(text: string): string {
  return text.length <= 160 ? text : `${text.slice(0, 100)} … ${text.slice(-40)}`;
}

/** Columns the float64 reference evaluator may hold for one term: n^k for k inputs (src/formula/evaluate-dense.ts). */
export const DENSE_COLUMN_LIMIT = 65_536;

function checkDenseSize(e: Expr, arch: Architecture): void {
  const k = maxInputs(e);
  const columns = arch.context ** k;
  if (columns > DENSE_COLUMN_LIMIT)
    throw new UserError(
      `${printExpr(e)} has terms of ${k} inputs; evaluating them on up to ${arch.context} positions needs ` +
        `${arch.context}^${k} = ${columns.toLocaleString('en-US')} columns (at most ` +
        `${DENSE_COLUMN_LIMIT.toLocaleString('en-US')})`,
    );
}

/** Every weight, pattern, norm scale and bilinear block a formula names, against the architecture. */
function checkSymbols(e: Expr, arch: Architecture): void {
  const fail = (what: string) => {
    throw new UserError(`${printExpr(e)} names ${what}, which model '${arch.name}' does not have`);
  };
  const attention = (layer: number | null, head: number | null, what: string) => {
    const a = layer === null ? undefined : arch.layers[layer]?.attention;
    if (!a || head === null || head >= a.heads) fail(what);
  };
  const visit = (x: Expr): void => {
    switch (x.kind) {
      case 'pattern':
        attention(x.layer, x.head, `the pattern A^{${x.layer}.${x.head}}`);
        return;
      case 'weight':
        if (['W_Q', 'W_K', 'W_V', 'W_O', 'W_OV', 'W_QK'].includes(x.name))
          attention(x.layer, x.head, `${x.name}^{${x.layer}.${x.head}}`);
        if (x.name === 'W_pos' && !arch.positional) fail('a positional embedding');
        if (x.name === 'G' || x.name === 'C') checkNorm(arch, x.site, x.layer, fail);
        return;
      case 'scale':
        checkNorm(arch, x.site, x.layer, fail);
        return;
      case 'vector':
        if (x.name === 'b_U' && !arch.unembed.bias) fail('the unembedding bias b_U');
        if ((x.name === 'b_O' || x.name === 'b_out') && !hasBias(arch, x.name, x.layer))
          fail(`the bias ${x.name}^{${x.layer}}`);
        if (x.name === 'b_ln') checkNorm(arch, x.site, x.layer, fail);
        return;
      case 'bilinear':
      case 'pair':
        if (!arch.layers[x.layer]?.bilinear) fail(`a bilinear block in layer ${x.layer}`);
        visit(x.left);
        visit(x.right);
        return;
      case 'kprod':
      case 'fprod':
        for (const f of x.factors) visit(f);
        return;
      case 'sum':
        for (const t of x.terms) visit(t);
        return;
      case 'face':
        visit(x.left);
        visit(x.right);
        return;
      case 'transpose':
        visit(x.of);
        return;
      case 'kron':
        visit(x.kernel);
        visit(x.feature);
        return;
      case 'apply':
        visit(x.op);
        visit(x.arg);
        return;
      case 'term':
        visit(x.body);
        return;
      case 'id':
      case 'ones':
        return;
    }
  };
  visit(e);
}

function hasBias(arch: Architecture, name: 'b_O' | 'b_out', layer: number | null): boolean {
  const l = layer === null ? undefined : arch.layers[layer];
  return name === 'b_O' ? l?.attention?.bias === true : l?.bilinear?.bias === true;
}

function checkNorm(arch: Architecture, site: string | null, layer: number | null, fail: (what: string) => void): void {
  const l = layer === null ? undefined : arch.layers[layer];
  const norm =
    site === 'final'
      ? arch.unembed.norm
      : site === 'ln1'
        ? l?.attention?.norm
        : site === 'ln2'
          ? l?.bilinear?.norm
          : undefined;
  if (!norm) fail(`a norm at ${site}${layer === null ? '' : ` of layer ${layer}`}`);
}
