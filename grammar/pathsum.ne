# The grammar of pathsum's two languages, over one moo lexer (src/spec/lexer.ts).
#
# Specs (start symbol `spec`) are parsed into generic statements: a keyword, its arguments and
# an optional braced body. src/spec/parse.ts then reads them into the typed AST, where every
# keyword-level mistake gets a message and a hint; the grammar itself only knows the shape.
#
# Formulas (start symbol `formula`) are the text form the printers write (src/ir/notation.ts).

@preprocessor typescript

@{%
import { lexer } from '../spec/lexer.js';
import type { Token } from 'moo';
import type { RawStatement, RawArg } from '../spec/raw.js';

const statement = (d: any[]): RawStatement => ({ keyword: d[0] as Token, args: d[1] as RawArg[], body: (d[2] ?? null) as RawStatement[] | null });
%}

@lexer lexer

spec        -> content                                       {% id %}

content     -> gap                                           {% () => [] %}
             | gap statement (separator statement):* gap     {% d => [d[1], ...d[2].map((x: any[]) => x[1])] %}

statement   -> %word argument:* body:?                       {% statement %}

argument    -> %word                                         {% id %}
             | %number                                       {% id %}
             | %string                                       {% id %}

body        -> %lbrace content %rbrace                       {% d => d[1] %}

separator   -> (%nl | %semicolon):+                          {% () => null %}
gap         -> (%nl | %semicolon):*                          {% () => null %}
