// `node scripts/mutation-retest.mjs [FILE]` (docs/architecture.md, "Mutation testing"): drops the survivors
// and uncovered mutants from a Stryker incremental record (default reports/stryker-incremental.json), so
// that the next run tests them again and reuses every other result. Stryker reuses a surviving static
// mutant however many tests were added for it; this makes a rerun after such tests cost only the survivors.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2] ?? 'reports/stryker-incremental.json';
const record = JSON.parse(readFileSync(file, 'utf8'));
let dropped = 0;
for (const result of Object.values(record.files)) {
  const kept = result.mutants.filter(m => m.status !== 'Survived' && m.status !== 'NoCoverage');
  dropped += result.mutants.length - kept.length;
  result.mutants = kept;
}
writeFileSync(file, JSON.stringify(record));
console.log(`${file}: ${dropped} survivors and uncovered mutants dropped, to be tested again by the next run`);
