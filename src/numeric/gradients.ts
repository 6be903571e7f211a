// tfjs-core's gradient registrations, for training only: evaluation never differentiates. They
// live only in tfjs-core's ESM files, whose extensionless relative imports plain `node` cannot
// resolve, so a program importing this registers examples/train/resolve-extensionless first.
import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
