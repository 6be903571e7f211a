// One moo lexer for both languages of pathsum: specs and formulas (grammar/spec.ne and grammar/formula.ne).
// moo has no skip rule, so `lexer` wraps it and drops white space and comments.
import moo from 'moo';

const base = moo.compile({
  ws: /[ \t\r]+/,
  comment: /#[^\n]*/,
  nl: { match: /\n/, lineBreaks: true },
  // `1e-8` is one number (a norm's eps); dotted runs are indices such as ^{0.1}
  number: /[0-9]+(?:\.[0-9]+)*(?:[eE][-+]?[0-9]+)?/,
  // Plain characters run without backtracking and escapes are bounded by NAME_LIMIT (quoted.ts),
  // so a 10 MB name cannot exhaust the regexp stack. Which escapes are allowed is quoted.ts's
  // business, so that a bad one is reported at its own column.
  string: /"[^"\\\n]*(?:\\.[^"\\\n]*){0,1024}"/,
  // `{l}` inside a key stands for every layer (`rename blocks.{l}.attn.W_O …`)
  word: /[A-Za-z_](?:[A-Za-z0-9_.]|\{l\})*/,
  lbrace: '{',
  rbrace: '}',
  lparen: '(',
  rparen: ')',
  comma: ',',
  semicolon: ';',
  equals: '=',
  caret: '^',
  plus: '+',
  minus: '-',
  slash: '/',
  tensor: '⊗',
  face: '•',
  hadamard: '⊙',
  times: '·',
  transpose: 'ᵀ',
  sqrt: '√',
  error: moo.error,
});

/** Braces nest at most this deep: a spec needs two (`model { layer { … } }`), a formula one. */
export const MAX_NESTING = 8;

const skipped = new Set(['ws', 'comment']);
const separators = new Set(['nl', 'semicolon']);
let pending: moo.Token | undefined;
let depth = 0;

function significant(): moo.Token | undefined {
  let token = base.next();
  while (token && skipped.has(token.type!)) token = base.next();
  return token;
}

// A run of separators reaches the parser as its first one, so that a file of blank lines costs
// the parser nothing; a brace nested past MAX_NESTING stops it (as a token of type 'nesting').
export const lexer = {
  reset(chunk: string, state?: moo.LexerState) {
    base.reset(chunk, state);
    pending = undefined;
    depth = 0;
  },
  next(): moo.Token | undefined {
    const token = pending ?? significant();
    pending = undefined;
    if (token && separators.has(token.type!)) {
      do pending = significant();
      while (pending && separators.has(pending.type!));
    }
    if (token?.type === 'lbrace' && ++depth > MAX_NESTING)
      throw Object.assign(new Error('braces nested too deeply'), { token: { ...token, type: 'nesting' } });
    if (token?.type === 'rbrace') depth = Math.max(0, depth - 1);
    return token;
  },
  save: () => base.save(),
  formatError: (token: moo.Token, message?: string) => base.formatError(token, message),
  has: (name: string) => base.has(name),
};
