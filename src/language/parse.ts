// Spec text → typed AST. The grammar yields generic statements (keyword, arguments, body);
// this module reads each keyword's arguments, so every mistake names the token at fault.
import nearley from 'nearley';
import type { Token } from 'moo';
import grammar from '../generated/spec-grammar.js';
import type { LayerStatement, Loc, ModelAst, ModelStatement, SpecAst } from './ast.js';
import { layerKeywords, modelKeywords } from './ast.js';
import { SpecError, nearest } from './error.js';
import { MAX_NESTING } from './lexer.js';
import { QuoteError, unquote, unreadQuote } from './quoted.js';
import { type Consed, type GrammarStatement, type RawStatement, rawStatements } from './raw.js';
import type { Layout, NormKind } from './architecture.js';
import { type Coefficient, Fraction, surd } from '../rational.js';
import { codePoint, isInvisible, show } from './visible.js';

/** Parses a spec file's text; throws SpecError (with line and column) on any mistake. */
export function parse(text: string, file = '<spec>'): SpecAst {
  const source = withoutBom(text);
  const fail = failer(source, file);
  const statements = parseRaw(source, fail);
  const models = statements.map(s => {
    if (s.keyword.value !== 'model') {
      fail(
        `expected 'model NAME { … }' at the top level, found '${show(s.keyword.value)}'`,
        s.keyword,
        topLevelHint(s),
      );
    }
    return readModel(s, fail);
  });
  if (models.length === 0) fail('the spec defines no model', { line: 1, col: 1 }, "start with 'model NAME {'");
  return { models };
}

/** A spec without the byte-order mark some editors write first (columns count from after it). */
export function withoutBom(text: string): string {
  return text.startsWith('\ufeff') ? text.slice(1) : text;
}

export type Fail = (reason: string, where: Loc | Token, hint?: string) => never;

export function failer(source: string, file: string): Fail {
  return (reason, where, hint) => {
    const loc = 'line' in where && 'col' in where ? { line: where.line, col: where.col } : where;
    throw new SpecError(reason, { file, loc, source, ...(hint ? { hint } : {}) });
  };
}

function parseRaw(text: string, fail: Fail): RawStatement[] {
  const parser = new nearley.Parser(nearley.Grammar.fromCompiled(grammar));
  try {
    parser.feed(text);
  } catch (error) {
    const token = (error as { token?: Token }).token;
    if (!token) throw error;
    if (token.type === 'error') unexpectedCharacter(token, fail);
    if (token.type === 'nesting')
      fail(`braces nested more than ${MAX_NESTING} deep`, token, "a spec nests at most 'model { layer { … } }'");
    fail(`unexpected ${describe(token)}`, token, hintFor(token));
  }
  const results = parser.results as Consed<GrammarStatement>[];
  if (results.length === 0) fail('unexpected end of file', endOf(text), "a '{' is missing its '}'");
  return rawStatements(results[0]!);
}

/** The lexer stops at a character no token starts with; `token.value` is the rest of the text. */
function unexpectedCharacter(token: Token, fail: Fail): never {
  const char = String.fromCodePoint(token.value.codePointAt(0)!);
  if (char === '"') fail(unreadQuote(token.value), token, "close the name with '\"' on the same line");
  if (isInvisible(char))
    fail(`unexpected invisible character ${codePoint(char)}`, token, 'delete it (it often comes with pasted text)');
  fail(`unexpected character '${char}'`, token);
}

function describe(token: Token): string {
  if (token.type === 'nl') return 'end of line';
  return `'${show(token.value)}'`;
}

function hintFor(token: Token): string | undefined {
  if (token.type === 'rbrace') return "this '}' closes nothing";
  if (token.type === 'lbrace') return "a '{' must follow a statement such as 'model NAME' or 'layer'";
  if (token.type === 'nl') return undefined;
  if (token.type === 'minus') return 'dimensions and counts are positive integers';
  return 'statements are a keyword and its arguments, one per line';
}

function endOf(text: string): Loc {
  const lines = text.split('\n');
  return { line: lines.length, col: lines[lines.length - 1]!.length + 1 };
}

function topLevelHint(s: RawStatement): string {
  return modelKeywords.includes(s.keyword.value as never)
    ? `'${show(s.keyword.value)}' belongs inside a model body`
    : "a spec file holds 'model NAME { … }' blocks";
}

function loc(token: Token): Loc {
  return { line: token.line, col: token.col };
}

function readModel(s: RawStatement, fail: Fail): ModelAst {
  const [name, ...extra] = s.args;
  if (!name || name.type !== 'word') fail("a model needs a name: 'model NAME { … }'", name ?? after(s.keyword));
  if (extra.length > 0) fail(`unexpected '${show(extra[0]!.value)}' after the model name`, extra[0]!);
  if (!s.body)
    fail(
      `model '${show(name.value)}' needs a body in braces`,
      after(name),
      "write 'model NAME {' and close it with '}'",
    );
  return { name: name.value, body: s.body.map(b => readModelStatement(b, fail)), loc: loc(s.keyword) };
}

function after(token: Token): Loc {
  return { line: token.line, col: token.col + token.text.length };
}

function readModelStatement(s: RawStatement, fail: Fail): ModelStatement {
  const at = loc(s.keyword);
  const args = new ArgumentReader(s, fail);
  const keyword = s.keyword.value;
  const simple = (): ModelStatement => {
    switch (keyword) {
      case 'vocab':
      case 'context':
      case 'width':
        return { kind: keyword, value: args.dimension(describeDimension(keyword)), loc: at };
      case 'embed':
        return { kind: 'embed', positional: args.flag('positional'), loc: at };
      case 'unembed':
        return { kind: 'unembed', bias: args.flag('bias'), loc: at };
      case 'norm':
        return { kind: 'norm', ...args.norm(), loc: at };
      case 'rename':
        return {
          kind: 'rename',
          key: args.word('the weight key to rename'),
          to: args.name('the name in the weights file'),
          layout: args.layout(),
          loc: at,
        };
      default:
        return unknownStatement(s, fail);
    }
  };
  if (keyword === 'layer' || keyword === 'layers') {
    const count = keyword === 'layers' ? args.dimension('the number of layers') : 1;
    args.done();
    if (!s.body)
      fail(
        `'${keyword}' needs a body in braces`,
        after(s.args.at(-1) ?? s.keyword),
        `write '${keyword}${keyword === 'layers' ? ' N' : ''} {' and close it with '}'`,
      );
    const body = s.body.map(b => readLayerStatement(b, fail));
    if (body.length === 0) fail(`an empty '${keyword}' body: a layer needs an attention or bilinear block`, at);
    return keyword === 'layer' ? { kind: 'layer', body, loc: at } : { kind: 'layers', count, body, loc: at };
  }
  const statement = simple();
  args.done();
  if (s.body) fail(`'${keyword}' takes no body`, s.keyword);
  return statement;
}

function describeDimension(keyword: 'vocab' | 'context' | 'width'): string {
  return { vocab: 'the vocabulary size', context: 'the context length', width: 'the residual width' }[keyword];
}

/** The base of the rotary frequencies when a spec names none (Su et al. 2021). */
export const ROTARY_BASE = 10_000;

function readLayerStatement(s: RawStatement, fail: Fail): LayerStatement {
  const at = loc(s.keyword);
  const args = new ArgumentReader(s, fail);
  let statement: LayerStatement;
  switch (s.keyword.value) {
    case 'norm':
      statement = { kind: 'norm', ...args.norm(), loc: at };
      break;
    case 'attention': {
      const options = args.options({ heads: 'integer', size: 'integer', theta: 'integer', scale: 'scale' }, [
        'bias',
        'rotary',
      ]);
      const heads =
        options.values.get('heads') ??
        fail("attention needs 'heads N'", after(s.keyword), "write 'attention heads N size K'");
      const size =
        options.values.get('size') ??
        fail(
          "attention needs 'size K' (the head dimension)",
          after(s.args.at(-1) ?? s.keyword),
          "write 'attention heads N size K'",
        );
      const rotary = options.flags.has('rotary');
      const base = options.values.get('theta');
      if (base !== undefined && !rotary)
        fail("'theta' sets the frequencies of rotary attention", at, "write 'rotary theta B', or drop 'theta'");
      if (rotary && size % 2 !== 0) fail(`rotary attention pairs the head dimensions: 'size ${size}' must be even`, at);
      statement = {
        kind: 'attention',
        heads,
        headSize: size,
        bias: options.flags.has('bias'),
        ...(rotary ? { rotary: { base: base ?? ROTARY_BASE } } : {}),
        ...(options.scale ? { scale: options.scale } : {}),
        loc: at,
      };
      break;
    }
    case 'bilinear': {
      const options = args.options({ hidden: 'integer', scale: 'scale' }, ['bias']);
      const hidden =
        options.values.get('hidden') ??
        fail(
          "bilinear needs 'hidden M' (the hidden width)",
          after(s.args.at(-1) ?? s.keyword),
          "write 'bilinear hidden M'",
        );
      statement = {
        kind: 'bilinear',
        hidden,
        bias: options.flags.has('bias'),
        ...(options.scale ? { scale: options.scale } : {}),
        loc: at,
      };
      break;
    }
    default:
      return unknownStatement(s, fail, layerKeywords, 'in a layer');
  }
  args.done();
  if (s.body) fail(`'${s.keyword.value}' takes no body`, s.keyword);
  return statement;
}

function unknownStatement(
  s: RawStatement,
  fail: Fail,
  known: readonly string[] = modelKeywords,
  where = 'in a model',
): never {
  const word = s.keyword.value;
  const elsewhere = known === modelKeywords ? layerKeywords : modelKeywords;
  if (elsewhere.includes(word as never) && word !== 'norm') {
    fail(
      `'${show(word)}' is not allowed ${where}`,
      s.keyword,
      known === modelKeywords ? `put it inside 'layer { … }'` : `put it in the model body, outside the layer`,
    );
  }
  const guess = nearest(word, [...known, ...elsewhere.filter(w => w !== 'norm')]);
  const placement =
    guess && !known.includes(guess)
      ? known === modelKeywords
        ? " (inside 'layer { … }')"
        : ' (in the model body)'
      : '';
  fail(
    `unknown statement '${show(word)}' ${where}`,
    s.keyword,
    guess ? `did you mean '${guess}'${placement}?` : `expected one of ${known.join(', ')}`,
  );
}

/** Reads a statement's arguments left to right; `done` rejects leftovers. */
class ArgumentReader {
  private next = 0;
  constructor(
    private readonly statement: RawStatement,
    private readonly fail: Fail,
  ) {}

  private peek(): Token | undefined {
    return this.statement.args[this.next];
  }

  private missing(what: string): never {
    const last = this.statement.args.at(-1) ?? this.statement.keyword;
    return this.fail(`'${this.statement.keyword.value}' needs ${what}`, after(last));
  }

  dimension(what: string): number {
    const token = this.peek() ?? this.missing(what);
    this.next++;
    return positiveInteger(token, what, this.fail);
  }

  flag(name: string): boolean {
    const token = this.peek();
    if (token?.type === 'word' && token.value === name) {
      this.next++;
      return true;
    }
    return false;
  }

  word(what: string): string {
    const token = this.peek() ?? this.missing(what);
    if (token.type !== 'word') this.fail(`expected ${what}, found '${show(token.value)}'`, token);
    this.next++;
    return token.value;
  }

  name(what: string): string {
    const token = this.peek() ?? this.missing(what);
    this.next++;
    if (token.type !== 'string') return token.value;
    try {
      return unquote(token.value);
    } catch (error) {
      if (!(error instanceof QuoteError)) throw error;
      return this.fail(error.reason, { line: token.line, col: token.col + error.offset }, error.hint);
    }
  }

  norm(): { norm: NormKind; gain?: false; eps?: number } {
    const token = this.peek() ?? this.missing("a kind: 'norm rms' or 'norm layer'");
    if (token.value !== 'rms' && token.value !== 'layer') {
      const guess = nearest(token.value, ['rms', 'layer']);
      this.fail(
        `unknown norm '${show(token.value)}'`,
        token,
        guess ? `did you mean '${guess}'?` : "write 'norm rms' or 'norm layer'",
      );
    }
    this.next++;
    const options = this.options({ eps: 'decimal' }, ['nogain']);
    const eps = options.values.get('eps');
    return {
      norm: token.value,
      ...(options.flags.has('nogain') ? { gain: false as const } : {}),
      ...(eps === undefined ? {} : { eps }),
    };
  }

  /** `[rows I of N] [linear | transposed]` after a rename's names. */
  layout(): Layout {
    let rows: Layout['rows'];
    let form: Layout['form'];
    for (let token = this.peek(); token; token = this.peek()) {
      if (token.type === 'word' && token.value === 'rows' && !rows) {
        this.next++;
        const part = this.dimension("a part: 'rows I of N'");
        const of = this.peek();
        if (of?.value !== 'of') this.fail("expected 'of' in 'rows I of N'", of ?? after(token));
        this.next++;
        rows = { part, of: this.dimension("a count of parts: 'rows I of N'") };
        if (part > rows.of) this.fail(`part ${part} of ${rows.of} does not exist`, token, 'parts count from 1 to N');
      } else if (token.type === 'word' && (token.value === 'linear' || token.value === 'transposed') && !form) {
        this.next++;
        form = token.value;
      } else {
        const again = token.value === 'rows' || token.value === 'linear' || token.value === 'transposed';
        this.fail(
          again ? `the layout is given twice: '${show(token.value)}'` : `unexpected '${show(token.value)}' in rename`,
          token,
          "a rename's layout is 'rows I of N' and/or 'linear' or 'transposed'",
        );
      }
    }
    return { ...(rows ? { rows } : {}), ...(form ? { form } : {}) };
  }

  /** `name value` pairs and bare flags, in any order, each at most once. */
  options(
    valued: Record<string, 'integer' | 'decimal' | 'scale'>,
    flags: string[],
  ): { values: Map<string, number>; flags: Set<string>; scale?: Coefficient } {
    const values = new Map<string, number>();
    const seen = new Set<string>();
    const names = [...Object.keys(valued), ...flags];
    let scale: Coefficient | undefined;
    for (let token = this.peek(); token; token = this.peek()) {
      const word = token.value;
      if (token.type !== 'word' || !names.includes(word)) {
        const guess = token.type === 'word' ? nearest(word, names) : undefined;
        const expected = names.map(w => `'${w}'`).join(', ');
        this.fail(
          `unexpected '${show(word)}' in ${this.statement.keyword.value}`,
          token,
          guess ? `did you mean '${guess}'?` : `expected ${expected}`,
        );
      }
      if (seen.has(word)) this.fail(`'${show(word)}' is given twice`, token);
      seen.add(word);
      this.next++;
      const kind = valued[word];
      if (kind === 'scale') scale = this.scale(token);
      else if (kind) {
        const value = this.peek() ?? this.fail(`'${word}' needs a number`, after(token));
        this.next++;
        values.set(word, (kind === 'integer' ? positiveInteger : positiveDecimal)(value, `'${word}'`, this.fail));
      }
    }
    return { values, flags: new Set([...seen].filter(w => flags.includes(w))), ...(scale ? { scale } : {}) };
  }

  /**
   * An exact scale after `scale`: [-] then `a`, `a/b`, `sqrt(r)`, `a/sqrt(r)` or `sqrt(r)/b`, where a, b
   * are decimals and r a decimal or a fraction.
   */
  private scale(keyword: Token): Coefficient {
    const form = "write e.g. 'scale 2', 'scale 3/4', 'scale 1/sqrt(8)' or 'scale sqrt(3)/4'";
    const take = (type: string, value?: string): Token | undefined => {
      const token = this.peek();
      if (token?.type !== type || (value !== undefined && token.value !== value)) return undefined;
      this.next++;
      return token;
    };
    const need = (type: string, what: string, value?: string): Token =>
      take(type, value) ??
      this.fail(`expected ${what} in the scale`, this.peek() ?? after(this.statement.args.at(-1) ?? keyword), form);
    const decimal = (): Fraction => exactDecimal(need('number', 'a number'), this.fail);
    const root = (): Fraction => {
      need('lparen', "'('");
      const r = decimal();
      const radicand = take('slash') ? r.div(nonZero(decimal(), keyword, this.fail)) : r;
      need('rparen', "')'");
      if (radicand.n > RADICAND_LIMIT || radicand.d > RADICAND_LIMIT)
        this.fail(`the scale's square root is of too large a number; the limit is ${RADICAND_LIMIT}`, keyword);
      return nonZero(radicand, keyword, this.fail);
    };
    const sign = take('minus') ? -1 : 1;
    let value: Coefficient;
    if (take('word', 'sqrt')) {
      const r = root();
      value = surd(new Fraction(sign), r);
      if (take('slash')) value = value.mul(surd(new Fraction(1).div(nonZero(decimal(), keyword, this.fail)), ONE));
    } else {
      const q = decimal().mul(sign);
      if (!take('slash')) value = surd(q, ONE);
      else if (take('word', 'sqrt')) value = surd(q, new Fraction(1).div(root()));
      else value = surd(q.div(nonZero(decimal(), keyword, this.fail)), ONE);
    }
    if (value.s === 0n) this.fail('a scale of 0 would remove the block', keyword, 'drop the block instead');
    return value;
  }

  done(): void {
    const extra = this.peek();
    if (extra) this.fail(`unexpected '${show(extra.value)}' after '${this.statement.keyword.value}'`, extra);
  }
}

const LARGEST_DIMENSION = 1 << 30;
/** Square roots are taken of numbers up to here (numerator and denominator), so normalising them stays cheap. */
const RADICAND_LIMIT = 1_000_000n;
const ONE = new Fraction(1);

function positiveInteger(token: Token, what: string, fail: Fail): number {
  if (token.type === 'minus') fail("unexpected '-'", token, 'dimensions and counts are positive integers');
  const found = `found '${show(token.value)}'`;
  if (token.type !== 'number' || !/^[0-9]+$/.test(token.value))
    fail(`${what} must be a positive integer, ${found}`, token);
  const value = Number(token.value);
  if (value === 0) fail(`${what} must be positive, found 0`, token);
  if (value > LARGEST_DIMENSION)
    fail(`${what} is too large (${show(token.value)}); the limit is ${LARGEST_DIMENSION}`, token);
  return value;
}

/** A positive finite number such as `1e-8` or `0.00001` (a norm's eps). */
function positiveDecimal(token: Token, what: string, fail: Fail): number {
  const value = Number(token.value);
  if (token.type !== 'number' || !/^[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?$/.test(token.value))
    fail(`${what} must be a positive number, found '${show(token.value)}'`, token);
  if (!(value > 0) || !Number.isFinite(value))
    fail(`${what} must be positive and finite, found '${token.value}'`, token);
  return value;
}

/** A decimal number token (`3`, `0.5`) as an exact fraction. */
function exactDecimal(token: Token, fail: Fail): Fraction {
  const decimal = /^([0-9]{1,15})(?:\.([0-9]{1,15}))?$/.exec(token.value);
  if (!decimal) return fail(`expected a number such as 3 or 0.5 in the scale, found '${show(token.value)}'`, token);
  const [, whole, fraction = ''] = decimal;
  return new Fraction(BigInt(whole! + fraction), 10n ** BigInt(fraction.length));
}

function nonZero(x: Fraction, at: Token, fail: Fail): Fraction {
  return x.equals(0) ? fail('the scale divides by 0 or takes the root of 0', at) : x;
}
