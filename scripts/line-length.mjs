// No line over 120 characters in the project's own source, tests, benchmarks and docs generators.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const LIMIT = 120;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.mjs', '*.ne'], {
  encoding: 'utf8',
})
  .split('\n')
  .filter(f => f !== '' && !f.startsWith('src/generated/'));
const long = [];
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue;
  }
  text.split('\n').forEach((line, i) => {
    if ([...line].length > LIMIT) long.push(`${file}:${i + 1}: ${[...line].length} characters`);
  });
}
for (const l of long) console.log(l);
if (long.length > 0) {
  console.log(`${long.length} lines over ${LIMIT} characters`);
  process.exit(1);
}
