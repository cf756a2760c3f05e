/*
 * The part of the `reflect-metadata` polyfill that @peculiar/x509's dependency injection
 * (tsyringe) reads: tsyringe refuses to load without `Reflect.getMetadata`, and `reflect-metadata`
 * is not installed. Import this before '@peculiar/x509'. Metadata is kept per target and key;
 * x509's classes carry none, so tsyringe finds no constructor parameters, as with the real polyfill.
 * Adding `reflect-metadata` as a devDependency and importing it instead would replace this file.
 */
type Target = object;
const store = new WeakMap<Target, Map<unknown, unknown>>();

interface ReflectMetadata {
  defineMetadata(key: unknown, value: unknown, target: Target): void;
  getOwnMetadata(key: unknown, target: Target): unknown;
  getMetadata(key: unknown, target: Target): unknown;
}

const reflect = Reflect as unknown as Partial<ReflectMetadata>;
if (typeof reflect.getMetadata !== 'function') {
  reflect.defineMetadata = (key, value, target) => {
    let own = store.get(target);
    if (!own) store.set(target, own = new Map());
    own.set(key, value);
  };
  reflect.getOwnMetadata = (key, target) => store.get(target)?.get(key);
  reflect.getMetadata = (key, target) => {
    for (let t: Target | null = target; t; t = Object.getPrototypeOf(t)) {
      const own = store.get(t);
      if (own?.has(key)) return own.get(key);
    }
    return undefined;
  };
}

export {};
