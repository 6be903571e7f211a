// Reading the PATH JSON of docs/design.md §3 (issue 15): paths written out by hand as JSON, ordered pairs
// kept in their order, and every malformed PATH refused with one line naming the field.
import { describe, expect, it } from 'vitest';
import { HOMOGENEOUS, site } from '../../src/language/site.js';
import { bias, bilinear, embed, head, pathFromJSON, pathToJSON, pos } from '../../src/paths/path.js';

const E = { kind: 'embed' };
const P = { kind: 'pos' };

describe('PATH JSON', () => {
  it('reads an ordered pair as ordered, with its arguments in the order written', () => {
    const path = pathFromJSON({ kind: 'bilinear', layer: 1, left: P, right: E, symmetrized: false });
    expect(path.kind === 'bilinear' && [path.symmetrized, path.left, path.right]).toEqual([false, pos(), embed()]);
    const mirror = pathFromJSON({ kind: 'bilinear', layer: 1, left: E, right: P, symmetrized: false });
    expect(mirror).not.toBe(path);
    expect(mirror.kind === 'bilinear' && [mirror.left, mirror.right]).toEqual([embed(), pos()]);
  });

  it('reads a symmetrized pair as symmetrized, in either order of its arguments', () => {
    const path = pathFromJSON({ kind: 'bilinear', layer: 0, left: P, right: E, symmetrized: true });
    expect(path.kind === 'bilinear' && path.symmetrized).toBe(true);
    expect(pathFromJSON({ kind: 'bilinear', layer: 0, left: E, right: P, symmetrized: true })).toBe(path);
    expect(path.kind === 'bilinear' && path.layer).toBe(0);
  });

  it('reads heads, biases and the homogeneous coordinate with their fields', () => {
    const path = pathFromJSON({
      kind: 'head',
      layer: 2,
      head: 3,
      of: { kind: 'bias', name: 'blocks.1.attn.b_O' },
    });
    expect(path).toEqual({ kind: 'head', layer: 2, head: 3, of: { kind: 'bias', site: site('attn', 1, 'b_O') } });
    expect(pathFromJSON({ kind: 'bias', name: '1' })).toBe(bias(HOMOGENEOUS));
    expect(pathFromJSON({ kind: 'bias', name: 'unembed.b_U' })).toBe(bias(site('unembed', null, 'b_U')));
  });

  it('writes what it reads', () => {
    const path = bilinear(1, head(0, 1, embed()), bias(HOMOGENEOUS), false);
    expect(pathToJSON(path)).toEqual({
      kind: 'bilinear',
      layer: 1,
      left: { kind: 'head', layer: 0, head: 1, of: E },
      right: { kind: 'bias', name: '1' },
      symmetrized: false,
    });
    expect(pathFromJSON(pathToJSON(path))).toBe(path);
  });

  it.each([
    ['null', null, 'a PATH must be an object'],
    ['a string', 'embed', 'a PATH must be an object'],
    ['no kind', {}, 'unknown PATH kind undefined'],
    ['an unknown kind', { kind: 'mlp' }, 'unknown PATH kind "mlp"'],
    ['a bias without a name', { kind: 'bias' }, 'a bias PATH needs a string name'],
    [
      'a bias of no tensor',
      { kind: 'bias', name: 'blocks.0.attn' },
      "'blocks.0.attn' is not a bias of docs/design.md §3",
    ],
    [
      'a negative layer',
      { kind: 'head', layer: -1, head: 0, of: E },
      'PATH field layer must be a non-negative integer',
    ],
    [
      'a fractional head',
      { kind: 'head', layer: 0, head: 0.5, of: E },
      'PATH field head must be a non-negative integer',
    ],
    ['a layer as text', { kind: 'bilinear', layer: '0', left: E, right: E }, 'PATH field layer must be'],
    ['a head of nothing', { kind: 'head', layer: 0, head: 0 }, 'a PATH must be an object'],
    ['a pair without a right side', { kind: 'bilinear', layer: 0, left: E }, 'a PATH must be an object'],
    ['a nested unknown kind', { kind: 'head', layer: 0, head: 0, of: { kind: 'x' } }, 'unknown PATH kind "x"'],
  ])('refuses %s with one line', (_name, json, message) => {
    let error: unknown;
    try {
      pathFromJSON(json);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(message);
    expect((error as Error).message).not.toContain('\n');
  });
});
