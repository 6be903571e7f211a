// Entry point of `npm run train`. The resolution hook must be registered before the numeric
// modules load (their static imports include tfjs-core's gradient registrations), hence the
// dynamic import of the trainer proper.
import { register } from 'node:module';

register('./resolve-extensionless.js', import.meta.url);
await import('./run.js');
