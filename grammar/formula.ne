# The grammar of formulas: the text form the printers write (src/formula/notation.ts), over the
# lexer specs use too (src/language/lexer.ts).

@preprocessor typescript

@{%
import { lexer } from '../language/lexer.js';
import * as F from '../formula/formula-syntax.js';
%}

@lexer lexer

# The text form of formulas (src/formula/print.ts writes it, src/formula/parse-formula.ts reads it back).
# Actions build thunks, run only for the chosen parse (Earley runs actions on partial parses too).
# Loosest to tightest: sum, `c ·`, `⊗`, `•`, juxtaposition (products), atoms.

formula      -> sum                                              {% d => F.sum(d[0]) %}

sum          -> summand                                          {% d => [d[0]] %}
              | sum %plus term                                   {% d => [...d[0], d[2]] %}
              | sum %minus term                                  {% d => [...d[0], F.negate(d[2])] %}

summand      -> term                                             {% id %}
              | %minus term                                      {% d => F.negate(d[1]) %}

term         -> coefficient %times termBody                          {% d => F.term(d[0], d[2]) %}
              | termBody                                         {% id %}

# q·√r as the printers write it: 3/2, √3/4, 2√3/5, 1/√8
coefficient  -> %number                                          {% d => F.coefficient(d[0], null) %}
              | %number %slash %number                           {% d => F.coefficient(d[0], d[2]) %}
              | %number:? root                                   {% d => F.surdCoefficient(d[0], d[1], null, false) %}
              | %number:? root %slash %number                    {% d => F.surdCoefficient(d[0], d[1], d[3], false) %}
              | %number %slash root                              {% d => F.surdCoefficient(d[0], d[2], null, true) %}

root         -> %sqrt %number                                    {% d => d[1] %}

termBody     -> kernel %tensor feature                           {% d => F.kron(d[0], d[2]) %}
              | group group:+                                    {% d => F.chain([d[0], ...d[1]]) %}
              | group                                            {% id %}
              | %word superscript %lparen sum %comma sum %rparen {% d => F.pair(d[0], d[1], F.sum(d[3]), F.sum(d[5])) %}

group        -> %lparen sum %rparen                              {% d => F.sum(d[1]) %}

kernel       -> kernel %face kproduct                            {% d => F.face(d[0], d[2]) %}
              | kproduct                                         {% id %}

kproduct     -> kfactor:+                                        {% d => F.kprod(d[0]) %}

kfactor      -> %word superscript:?                              {% d => F.kernelSymbol(d[0], d[1]) %}
              | %number                                          {% d => F.kernelSymbol(d[0], null) %}
              | %lparen kernel %rparen                           {% d => d[1] %}

feature      -> ffactor:+                                        {% d => F.fprod(d[0]) %}

ffactor      -> fatom                                            {% id %}
              | fatom %transpose                                 {% d => F.transpose(d[0]) %}

fatom        -> %word superscript:?                              {% d => F.featureSymbol(d[0], d[1]) %}
              | %number                                          {% d => F.featureSymbol(d[0], null) %}
              | %word superscript %lparen feature %comma feature %rparen {% d => F.bilinear(d[0], d[1], d[3], d[5]) %}
              | %lparen feature %rparen                          {% d => d[1] %}

superscript  -> %caret %lbrace %number %rbrace                   {% d => d[2] %}
