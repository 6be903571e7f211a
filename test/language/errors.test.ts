// Error tests are a table: spec text, line, column, message (and hint where one is promised).
import { describe, expect, it } from 'vitest';
import { compile, SpecError } from '../../src/model/spec.js';
import { withoutBom } from '../../src/language/parse.js';
import { visibleChar } from '../../src/language/visible.js';

const model = (body: string) => `model m {\n  vocab 8\n  context 4\n  width 4\n  embed\n${body}\n  unembed\n}\n`;

const cases: { name: string; text: string; line: number; col: number; message: string; hint?: string }[] = [
  {
    name: 'keyword typo',
    text: model('  layer {\n    attenton heads 2 size 4\n  }'),
    line: 7,
    col: 5,
    message: "unknown statement 'attenton' in a layer",
    hint: "did you mean 'attention'?",
  },
  {
    name: 'model keyword typo',
    text: 'model m {\n  vocb 8\n}',
    line: 2,
    col: 3,
    message: "unknown statement 'vocb' in a model",
    hint: "did you mean 'vocab'?",
  },
  {
    name: 'layer keyword in model body',
    text: model('  attention heads 2 size 4'),
    line: 6,
    col: 3,
    message: "'attention' is not allowed in a model",
    hint: "put it inside 'layer { … }'",
  },
  {
    name: 'missing head size',
    text: model('  layer {\n    attention heads 2\n  }'),
    line: 7,
    col: 22,
    message: "attention needs 'size K' (the head dimension)",
  },
  {
    name: 'missing heads',
    text: model('  layer {\n    attention size 4\n  }'),
    line: 7,
    col: 14,
    message: "attention needs 'heads N'",
  },
  {
    name: 'missing hidden',
    text: model('  layer {\n    bilinear bias\n  }'),
    line: 7,
    col: 18,
    message: "bilinear needs 'hidden M' (the hidden width)",
  },
  {
    name: 'zero heads',
    text: model('  layer {\n    attention heads 0 size 4\n  }'),
    line: 7,
    col: 21,
    message: "'heads' must be positive, found 0",
  },
  {
    name: 'zero vocab',
    text: 'model m {\n  vocab 0\n}',
    line: 2,
    col: 9,
    message: 'the vocabulary size must be positive, found 0',
  },
  {
    name: 'fractional width',
    text: 'model m {\n  width 2.5\n}',
    line: 2,
    col: 9,
    message: "the residual width must be a positive integer, found '2.5'",
  },
  {
    name: 'negative context',
    text: 'model m {\n  context -3\n}',
    line: 2,
    col: 11,
    message: "unexpected '-'",
    hint: 'dimensions and counts are positive integers',
  },
  {
    name: 'number without keyword value',
    text: model('  layer {\n    bilinear hidden\n  }'),
    line: 7,
    col: 20,
    message: "'hidden' needs a number",
  },
  {
    name: 'duplicate attention',
    text: model('  layer {\n    attention heads 1 size 4\n    attention heads 1 size 4\n  }'),
    line: 8,
    col: 5,
    message: 'a second attention block in one layer',
    hint: "start a new 'layer { … }' for it",
  },
  {
    name: 'duplicate bilinear',
    text: model('  layer {\n    bilinear hidden 4\n    bilinear hidden 4\n  }'),
    line: 8,
    col: 5,
    message: 'a second bilinear block in one layer',
  },
  {
    name: 'attention after bilinear',
    text: model('  layer {\n    bilinear hidden 4\n    attention heads 1 size 4\n  }'),
    line: 8,
    col: 5,
    message: 'attention after the bilinear block: within a layer, attention comes first',
  },
  {
    name: 'duplicate vocab',
    text: 'model m {\n  vocab 8\n  vocab 9\n}',
    line: 3,
    col: 3,
    message: "'vocab' is given twice (first on line 2)",
  },
  {
    name: 'missing width',
    text: 'model m {\n  vocab 8\n  context 4\n  embed\n  unembed\n}',
    line: 1,
    col: 1,
    message: "model 'm' has no 'width'",
    hint: "add 'width D' to its body",
  },
  {
    name: 'missing unembed',
    text: 'model m {\n  vocab 8\n  context 4\n  width 4\n  embed\n}',
    line: 1,
    col: 1,
    message: "model 'm' has no 'unembed'",
  },
  {
    name: 'unknown norm kind',
    text: model('  layer {\n    norm rsm\n    attention heads 1 size 4\n  }'),
    line: 7,
    col: 10,
    message: "unknown norm 'rsm'",
    hint: "did you mean 'rms'?",
  },
  {
    name: 'dangling norm in layer',
    text: model('  layer {\n    attention heads 1 size 4\n    norm rms\n  }'),
    line: 8,
    col: 5,
    message: "'norm rms' at the end of a layer applies to nothing",
  },
  {
    name: 'norm before a layer',
    text: model('  norm rms\n  layer {\n    attention heads 1 size 4\n  }'),
    line: 6,
    col: 3,
    message: "'norm rms' here applies to nothing: in a model body it must come right before 'unembed'",
  },
  {
    name: 'empty layer',
    text: model('  layer {\n  }'),
    line: 6,
    col: 3,
    message: "an empty 'layer' body: a layer needs an attention or bilinear block",
  },
  {
    name: 'unknown rename target',
    text: model('  rename embed.W_X "tok"'),
    line: 6,
    col: 3,
    message: "cannot rename 'embed.W_X': this model has no such weight",
    hint: "did you mean 'embed.W_E'?",
  },
  {
    name: 'rename clash',
    text: model('  rename embed.W_E "unembed.W_U"'),
    line: 6,
    col: 3,
    message: "'unembed.W_U' would name two tensors ('unembed.W_U' and 'embed.W_E')",
  },
  {
    name: 'stray closing brace',
    text: 'model m {\n  vocab 8\n}\n}\n',
    line: 4,
    col: 1,
    message: "unexpected '}'",
    hint: "this '}' closes nothing",
  },
  { name: 'unclosed brace', text: 'model m {\n  vocab 8\n', line: 3, col: 1, message: 'unexpected end of file' },
  { name: 'bad character', text: 'model m {\n  vocab 8 @\n}', line: 2, col: 11, message: "unexpected character '@'" },
  { name: 'no model', text: '# nothing here\n', line: 1, col: 1, message: 'the spec defines no model' },
  {
    name: 'top-level statement',
    text: 'vocab 8\n',
    line: 1,
    col: 1,
    message: "expected 'model NAME { … }' at the top level, found 'vocab'",
  },
  {
    name: 'model without a name',
    text: 'model {\n}\n',
    line: 1,
    col: 6,
    message: "a model needs a name: 'model NAME { … }'",
  },
  {
    name: 'duplicate model',
    text: `${model('  layer { bilinear hidden 4 }')}\n${model('  layer { bilinear hidden 4 }')}`,
    line: 10,
    col: 1,
    message: "a second model named 'm' (the first is on line 1)",
  },
  {
    name: 'extra argument',
    text: 'model m {\n  vocab 8 9\n}',
    line: 2,
    col: 11,
    message: "unexpected '9' after 'vocab'",
  },
  {
    name: 'unknown attention option',
    text: model('  layer {\n    attention heads 1 size 4 bais\n  }'),
    line: 7,
    col: 30,
    message: "unexpected 'bais' in attention",
    hint: "did you mean 'bias'?",
  },
  {
    name: 'layers with zero count',
    text: model('  layers 0 {\n    bilinear hidden 4\n  }'),
    line: 6,
    col: 10,
    message: 'the number of layers must be positive, found 0',
  },
  // quoted names: the escapes are \\ \" \n \t \uXXXX, a bad one is reported at its backslash
  {
    name: 'unknown escape',
    text: model('  rename embed.W_E "a\\x41"'),
    line: 6,
    col: 22,
    message: "unknown escape '\\x' in a quoted name",
    hint: 'the escapes are \\\\ \\" \\n \\t and \\uXXXX',
  },
  {
    name: 'short unicode escape',
    text: model('  rename embed.W_E "\\u12"'),
    line: 6,
    col: 21,
    message: "'\\u' needs exactly four hexadecimal digits",
  },
  {
    name: 'half a surrogate pair',
    text: model('  rename embed.W_E "ok\\ud83dx"'),
    line: 6,
    col: 23,
    message: "'\\ud83d' is half of a surrogate pair",
  },
  {
    name: 'escaped control character in an escape',
    text: model('  rename embed.W_E "\\\x1b"'),
    line: 6,
    col: 21,
    message: "unknown escape '\\\\x1b' in a quoted name",
  },
  {
    name: 'invisible character in a quoted name',
    text: model('  rename embed.W_E "tok\u200bens"'),
    line: 6,
    col: 24,
    message: 'a quoted name holds the invisible character U+200B',
    hint: 'write it as \\u200b',
  },
  {
    name: 'unclosed quoted name',
    text: model('  rename embed.W_E "tok'),
    line: 6,
    col: 20,
    message: 'a quoted name is not closed before the end of the line',
  },
  {
    name: 'quoted name of 10 MB',
    text: model(`  rename embed.W_E "${'a'.repeat(10_000_000)}"`),
    line: 6,
    col: 20,
    message: 'a quoted name longer than 1024 characters',
  },
  {
    name: 'quoted name of too many escapes',
    text: model(`  rename embed.W_E "${'\\n'.repeat(5000)}"`),
    line: 6,
    col: 20,
    message: 'a quoted name longer than 1024 characters',
  },
  // invisible characters are named by their code point; a byte-order mark is not one of them
  {
    name: 'zero-width space',
    text: model('  un\u200bembed'),
    line: 6,
    col: 5,
    message: 'unexpected invisible character U+200B',
  },
  {
    name: 'terminal escape sequence',
    text: model('  \x1b[31mred'),
    line: 6,
    col: 3,
    message: 'unexpected invisible character U+001B',
  },
  {
    name: 'byte-order mark inside the text',
    text: `model m {\n  \ufeffvocab 8\n}`,
    line: 2,
    col: 3,
    message: 'unexpected invisible character U+FEFF',
  },
  {
    name: 'error on the first line after a byte-order mark',
    text: '\ufeffmodel {\n}\n',
    line: 1,
    col: 6,
    message: "a model needs a name: 'model NAME { … }'",
  },
  // a 400 KB line: the message quotes a window of it and a cut token
  {
    name: 'very long line',
    text: model(`  layer { bilinear hidden 4 ${'x'.repeat(400_000)} }`),
    line: 6,
    col: 29,
    message: `unexpected '${'x'.repeat(39)}…' in bilinear`,
  },
  {
    name: 'very long line, error at its end',
    text: model(`  vocab${' 1'.repeat(50_000)}`),
    line: 6,
    col: 11,
    message: "unexpected '1' after 'vocab'",
  },
  {
    name: 'error far into a long line',
    text: model(`  layer { bilinear hidden 4 }${' '.repeat(300_000)}@`),
    line: 6,
    col: 300_030,
    message: "unexpected character '@'",
  },
  {
    name: 'braces nested too deeply',
    text: `model m {\n${'layer {\n'.repeat(100_000)}${'}\n'.repeat(100_000)}}`,
    line: 9,
    col: 7,
    message: 'braces nested more than 8 deep',
    hint: "a spec nests at most 'model { layer { … } }'",
  },
  // the layer limit
  {
    name: 'layers past the limit',
    text: model('  layers 300000 {\n    bilinear hidden 4\n  }'),
    line: 6,
    col: 3,
    message: "model 'm' would have 300000 layers; the limit is 10000",
  },
  {
    name: 'layers past the limit in several statements',
    text: model(
      '  layers 6000 { bilinear hidden 4 }\n  layer { bilinear hidden 4 }\n  layers 4000 { bilinear hidden 4 }',
    ),
    line: 8,
    col: 3,
    message: "model 'm' would have 10001 layers; the limit is 10000",
  },
  {
    name: 'layers 2^30',
    text: model('  layers 1073741824 {\n    bilinear hidden 4\n  }'),
    line: 6,
    col: 3,
    message: "model 'm' would have 1073741824 layers; the limit is 10000",
  },
];

describe('spec errors', () => {
  it.each(cases)('$name', ({ text, line, col, message, hint }) => {
    let caught: unknown;
    try {
      compile(text, 'bad.pathsum');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SpecError);
    const e = caught as SpecError;
    expect({ line: e.line, col: e.col, reason: e.reason }).toEqual({ line, col, reason: message });
    if (hint) expect(e.hint).toBe(hint);
    const [first, quoted, caret] = e.message.split('\n');
    expect(first).toBe(`bad.pathsum:${line}:${col}: ${message}`);
    if (quoted === undefined || quoted.startsWith('hint')) return;
    // the caret stands under the character at fault, as the quoted line shows it
    const source = withoutBom(text).split('\n')[line - 1]!;
    const at = caret!.indexOf('^');
    const char = String.fromCodePoint(source.codePointAt(col - 1) ?? 0x20);
    expect(quoted.slice(at).padEnd(1)).toMatch(new RegExp(`^${escapeRegExp(visibleChar(char === '\t' ? ' ' : char))}`));
    if (source.length <= 80 && !/[^ -~]/.test(source)) expect(at - 2).toBe(col - 1);
  });

  it.each(cases)('$name: the message is short and holds no raw control character', ({ text }) => {
    const message = messageOf(() => compile(text, 'bad.pathsum'));
    expect(message).not.toMatch(/(?!\n)[\p{Cc}\p{Cf}]/u);
    expect(message.split('\n').length).toBeLessThanOrEqual(4);
    for (const l of message.split('\n')) expect(l.length).toBeLessThanOrEqual(420);
  });
});

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no error');
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
