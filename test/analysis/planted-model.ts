// A planted one-layer bilinear model: W_in = W_gate = [p_1 … p_r] for orthonormal p_k, and W_out
// chosen so that (W_out W_U[:,c])_k = λ_k, hence Q_c = Σ_k λ_k p_k p_kᵀ; every Q_{e_o} has rank ≤ r.
import { dot } from '../../src/linalg/matrix.js';
import { rng } from '../arbitraries.js';
import { orthonormal } from './gram-schmidt.js';
import { writeModel } from './model-files.js';

export const V = 12;
export const d = 8;
const spec = (m: number) =>
  `model planted {\n  vocab ${V}; context 4; width ${d}\n  embed\n  layer { bilinear hidden ${m} }\n  unembed\n}\n`;

export function plantedModel(seed: number, lambdas: number[], token: number) {
  const random = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const r = lambdas.length;
  const directions = orthonormal(d, Array.from({ length: d * d }, normal)).slice(0, r);
  const embed = Array.from({ length: V * d }, normal);
  const unembed = Array.from({ length: d * V }, normal);
  const u = Array.from({ length: d }, (_, i) => unembed[i * V + token]!);
  const uu = dot(u, u);
  const columns = Array.from({ length: d * r }, (_, idx) => directions[idx % r]![Math.floor(idx / r)]!); // [d, r]
  const output = lambdas.flatMap(l => u.map(x => (l * x) / uu)); // [r, d]
  const tensors = new Map([
    ['embed.W_E', { shape: [V, d], data: embed }],
    ['unembed.W_U', { shape: [d, V], data: unembed }],
    ['blocks.0.mlp.W_in', { shape: [d, r], data: columns }],
    ['blocks.0.mlp.W_gate', { shape: [d, r], data: columns }],
    ['blocks.0.mlp.W_out', { shape: [r, d], data: output }],
  ]);
  return { files: writeModel(spec(r), tensors), directions, embed };
}
