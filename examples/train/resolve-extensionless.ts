// A Node module-resolution hook. tfjs-core registers its gradients only from its ESM files
// (dist/register_all_gradients.js), whose relative imports omit the `.js` extension that Node's
// ESM resolver requires; bundlers and vitest add it, plain `node` does not. This hook retries
// such an import with `.js` appended, only for files inside @tensorflow/tfjs-core/dist.
interface ResolveContext {
  readonly parentURL?: string;
}
type NextResolve = (specifier: string, context: ResolveContext) => Promise<unknown>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<unknown> {
  const insideTfjsCore = context.parentURL?.includes('/@tensorflow/tfjs-core/dist/') ?? false;
  if (!insideTfjsCore || !specifier.startsWith('.') || specifier.endsWith('.js')) return next(specifier, context);
  try {
    return await next(specifier, context);
  } catch {
    return next(`${specifier}.js`, context);
  }
}
