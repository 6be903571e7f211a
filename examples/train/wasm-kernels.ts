// Two kernel fixes that make training on the wasm backend practical, registered by the trainer
// only (inference does not need them):
// - tf.gather's gradient (forward embeds tokens by gather) needs UnsortedSegmentSum, which the
//   wasm backend lacks: a plain-JS kernel, negligible next to the matmuls.
// - wasm's BatchMatMul takes a naive path when an operand is transposed, 6–8× slower than its
//   XNNPACK path; every matmul gradient transposes one operand. Transposing explicitly first
//   and multiplying without flags is the fast route (measured: 150–190 ms → 22 ms on a
//   [3654,128]·[128,256] product).
import * as tf from '@tensorflow/tfjs-core';

interface WasmBackend {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array;
  disposeData(dataId: unknown): void;
}

type KernelArgs = { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: unknown };

function unsortedSegmentSum({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo {
  const wasm = backend as WasmBackend;
  const x = inputs.x!;
  const ids = wasm.readSync(inputs.segmentIds!.dataId);
  const values = wasm.readSync(x.dataId);
  const segments = (attrs as { numSegments: number }).numSegments;
  const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
  const out = wasm.makeOutput([segments, ...x.shape.slice(1)], x.dtype);
  const sums = wasm.typedArrayFromHeap(out);
  sums.fill(0);
  for (let row = 0; row < ids.length; row++) {
    const segment = ids[row]!;
    if (segment < 0 || segment >= segments) continue;
    for (let j = 0; j < inner; j++) sums[segment * inner + j] += values[row * inner + j]!;
  }
  return out;
}

function untransposedMatMul(matMul: tf.KernelFunc, transpose: tf.KernelFunc) {
  return ({ inputs, attrs, backend }: KernelArgs): tf.TensorInfo => {
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    if (!transposeA && !transposeB)
      return matMul({ inputs, attrs: attrs!, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
    const swapLastTwo = (x: tf.TensorInfo) => {
      const perm = [...x.shape.keys()];
      perm.push(...perm.splice(-2).reverse());
      return transpose({ inputs: { x }, attrs: { perm }, backend: backend as tf.KernelBackend }) as tf.TensorInfo;
    };
    const a = transposeA ? swapLastTwo(inputs.a!) : inputs.a!;
    const b = transposeB ? swapLastTwo(inputs.b!) : inputs.b!;
    const out = matMul({
      inputs: { a, b },
      attrs: { ...attrs, transposeA: false, transposeB: false },
      backend: backend as tf.KernelBackend,
    }) as tf.TensorInfo;
    if (transposeA) (backend as WasmBackend).disposeData(a.dataId);
    if (transposeB) (backend as WasmBackend).disposeData(b.dataId);
    return out;
  };
}

let registered = false;

/** Registers both fixes once; a no-op unless the wasm backend is in use. */
export function registerWasmTrainingKernels(): void {
  if (registered || tf.getBackend() !== 'wasm') return;
  registered = true;
  if (!tf.getKernel('UnsortedSegmentSum', 'wasm')) {
    tf.registerKernel({
      kernelName: 'UnsortedSegmentSum',
      backendName: 'wasm',
      kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
    });
  }
  const matMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
  const transpose = tf.getKernel('Transpose', 'wasm')!.kernelFunc;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: untransposedMatMul(matMul, transpose) as unknown as tf.KernelFunc,
  });
}
