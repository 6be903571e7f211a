// The README promises Node 20: no locked package may demand a later Node (npm warns EBADENGINE), and
// the lock file must agree with package.json so that `npm install --package-lock-only` changes nothing.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface Entry {
  readonly version?: string;
  readonly engines?: { node?: string };
  readonly bin?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as Entry & { overrides?: object };
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, Entry> };

/** Whether a node engines range admits some Node 20.x (the forms npm packages use: >=, ^, ~, x, ||). */
function admitsNode20(range: string): boolean {
  return range.split('||').some(alternative =>
    alternative
      .trim()
      .replace(/(>=|<=|[<>^~=])\s+/g, '$1')
      .split(/\s+/)
      .every(comparator => {
        const m = /^(>=|<=|<|>|\^|~|=)?v?(\d+|x|\*)?/.exec(comparator)!;
        const major = m[2] === undefined || m[2] === 'x' || m[2] === '*' ? undefined : Number(m[2]);
        if (major === undefined) return true;
        if (m[1] === '>=' || m[1] === '>') return major <= 20;
        if (m[1] === '<' || m[1] === '<=') return major > 20 || (m[1] === '<=' && major === 20);
        return major === 20;
      }),
  );
}

describe('package-lock.json', () => {
  it.each([
    ['>=20', true],
    ['>=18', true],
    ['>= 12.0.0', true],
    ['^20.19.0 || >=22.12.0', true],
    ['^10 || ^12 || >=14', true],
    ['*', true],
    ['>=22.12.0', false],
    ['^22.0.0 || >=24', false],
    ['^18.0.0', false],
  ])('reads the engines range %s as admitting Node 20: %s', (range, admits) => {
    expect(admitsNode20(range)).toBe(admits);
  });

  it('holds no package that refuses Node 20', () => {
    const refusing = Object.entries(lock.packages)
      .filter(([, entry]) => entry.engines?.node !== undefined && !admitsNode20(entry.engines.node))
      .map(([path, entry]) => `${path}@${entry.version}: node ${entry.engines!.node}`);
    expect(refusing).toEqual([]);
  });

  it('agrees with package.json on the root entry (bin, dependencies)', () => {
    const root = lock.packages['']!;
    expect(root.bin).toEqual(manifest.bin);
    expect(root.dependencies).toEqual(manifest.dependencies);
    expect(root.devDependencies).toEqual(manifest.devDependencies);
  });

  it('pins every override exactly, and the lock holds the pinned versions', () => {
    const pins = Object.entries(manifest.overrides ?? {}).flatMap(([parent, children]) =>
      Object.entries(children as Record<string, string>).map(([name, version]) => ({ parent, name, version })),
    );
    for (const { parent, name, version } of pins) {
      expect(version).toMatch(/^\d+\.\d+\.\d+$/);
      const locked =
        lock.packages[`node_modules/${parent}/node_modules/${name}`] ?? lock.packages[`node_modules/${name}`];
      expect(locked?.version).toBe(version);
    }
  });
});
