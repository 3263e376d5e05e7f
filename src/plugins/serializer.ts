import { serializerCompiler } from 'fastify-type-provider-zod';

/**
 * Every answer is encoded through its zod response schema (an allow-list: a field not named is
 * never sent), then stringified. A handler that returns the same frozen object again and again
 * (the survey as a respondent sees it, one per survey, language and k) gets the JSON that schema
 * produced for it the first time: frozen, it cannot have changed since.
 */
export const memoizingSerializerCompiler: typeof serializerCompiler = (route) => {
  const serialize = serializerCompiler(route);
  const encoded = new WeakMap<object, string>();
  return (data: unknown) => {
    if (typeof data !== 'object' || data === null || !Object.isFrozen(data)) return serialize(data);
    let json = encoded.get(data);
    if (json === undefined) encoded.set(data, (json = serialize(data)));
    return json;
  };
};
