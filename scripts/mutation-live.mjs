// A Stryker reporter named `live` (docs/architecture.md, "Mutation testing"): writes each mutant's result to
// reports/live-<LIVE_NAME>.txt as soon as it is tested, and each survivor or uncovered mutant with its line and
// replacement to reports/live-<LIVE_NAME>-survivors.txt. Stryker writes its own reports only at the end of a run,
// so a run of hours that is stopped leaves these.
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PluginKind, declareClassPlugin } from '@stryker-mutator/api/plugin';

const name = process.env.LIVE_NAME ?? 'run';
mkdirSync('reports', { recursive: true });
const sources = new Map();

function sourceLine(file, line) {
  if (!sources.has(file)) sources.set(file, readFileSync(file, 'utf8').split('\n'));
  return (sources.get(file)[line - 1] ?? '').trim().slice(0, 100);
}

class LiveReporter {
  onMutantTested(mutant) {
    const file = relative(process.cwd(), mutant.fileName);
    const { line, column } = mutant.location.start;
    appendFileSync(`reports/live-${name}.txt`, `${mutant.status} ${file}:${line}:${column} ${mutant.mutatorName}\n`);
    if (mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') return;
    const replacement = JSON.stringify(mutant.replacement ?? '').slice(0, 70);
    const where = `${mutant.status} ${file}:${line}:${column} ${mutant.mutatorName}`;
    appendFileSync(
      `reports/live-${name}-survivors.txt`,
      `${where} | ${sourceLine(mutant.fileName, line)} => ${replacement}\n`,
    );
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'live', LiveReporter)];
