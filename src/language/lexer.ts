// One moo lexer for both languages of pathsum: specs and formulas (grammar/pathsum.ne).
// moo has no skip rule, so `lexer` wraps it and drops white space and comments.
import moo from 'moo';

const base = moo.compile({
  ws: /[ \t\r]+/,
  comment: /#[^\n]*/,
  nl: { match: /\n/, lineBreaks: true },
  number: /[0-9]+(?:\.[0-9]+)*/,
  string: /"(?:[^"\\\n]|\\.)*"/,
  word: /[A-Za-z_][A-Za-z0-9_.]*/,
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
  error: moo.error,
});

const skipped = new Set(['ws', 'comment']);

export const lexer = {
  reset(chunk: string, state?: moo.LexerState) {
    base.reset(chunk, state);
  },
  next(): moo.Token | undefined {
    let token = base.next();
    while (token && skipped.has(token.type!)) token = base.next();
    return token;
  },
  save: () => base.save(),
  formatError: (token: moo.Token, message?: string) => base.formatError(token, message),
  has: (name: string) => base.has(name),
};
