# The grammar of specs, over the moo lexer both of pathsum's languages share (src/language/lexer.ts).
#
# Specs are parsed into generic statements: a keyword, its arguments and
# an optional braced body. src/language/parse.ts then reads them into the typed AST, where every
# keyword-level mistake gets a message and a hint; the grammar itself only knows the shape.
# Lists are built by consing (src/language/raw.ts), never by copying: Earley runs actions on every
# partial parse, and copying a growing array would make a long line or a long file quadratic.

@preprocessor typescript

@{%
import { lexer } from '../language/lexer.js';
import type { Token } from 'moo';
import { cons, type GrammarStatement } from '../language/raw.js';

const statement = (d: any[]): GrammarStatement => ({ keyword: d[0] as Token, args: d[1], body: d[2] ?? null });
%}

@lexer lexer

spec        -> content                                       {% id %}

content     -> gap                                           {% () => null %}
             | gap statements gap                            {% d => d[1] %}

statements  -> statement                                     {% d => cons(d[0], null) %}
             | statements separator statement                {% d => cons(d[2], d[0]) %}

statement   -> %word arguments body:?                        {% statement %}

arguments   -> null                                          {% () => null %}
             | arguments argument                            {% d => cons(d[1], d[0]) %}

argument    -> %word                                         {% id %}
             | %number                                       {% id %}
             | %string                                       {% id %}
             | %slash                                        {% id %}
             | %minus                                        {% id %}
             | %lparen                                       {% id %}
             | %rparen                                       {% id %}

body        -> %lbrace content %rbrace                       {% d => ({ content: d[1] }) %}

separator   -> end                                           {% () => null %}
             | separator end                                 {% () => null %}
gap         -> null                                          {% () => null %}
             | gap end                                       {% () => null %}
end         -> %nl | %semicolon                              {% () => null %}
