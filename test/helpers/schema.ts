/**
 * A small JSON Schema checker for the documents the CLI prints: type, const, enum, required,
 * properties, items, $ref (to #/$defs/...), allOf, oneOf. Returns the first problem, or undefined.
 */
type Schema = { [k: string]: unknown };

export function schemaProblem(root: Schema, value: unknown, schema: Schema = root, at = '$'): string | undefined {
  if (typeof schema['$ref'] === 'string') {
    const name = (schema['$ref'] as string).replace('#/$defs/', '');
    const def = (root['$defs'] as Record<string, Schema>)[name];
    if (def === undefined) return `${at}: no definition ${name}`;
    return schemaProblem(root, value, def, at);
  }
  for (const part of (schema['allOf'] as Schema[] | undefined) ?? []) {
    const p = schemaProblem(root, value, part, at);
    if (p) return p;
  }
  if (Array.isArray(schema['oneOf'])) {
    const problems = (schema['oneOf'] as Schema[]).map((s) => schemaProblem(root, value, s, at));
    const ok = problems.filter((p) => p === undefined).length;
    if (ok !== 1) return `${at}: matches ${ok} of the oneOf alternatives (${problems.filter(Boolean).join(' | ')})`;
  }
  if ('const' in schema && value !== schema['const']) return `${at}: ${JSON.stringify(value)} is not ${JSON.stringify(schema['const'])}`;
  if (Array.isArray(schema['enum']) && !(schema['enum'] as unknown[]).includes(value)) return `${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema['enum'])}`;
  const type = schema['type'];
  if (typeof type === 'string' && !hasType(value, type)) return `${at}: ${JSON.stringify(value)} is not of type ${type}`;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const key of (schema['required'] as string[] | undefined) ?? []) if (!(key in obj)) return `${at}: no ${key}`;
    for (const [key, sub] of Object.entries((schema['properties'] as Record<string, Schema> | undefined) ?? {})) {
      if (key in obj) {
        const p = schemaProblem(root, obj[key], sub, `${at}.${key}`);
        if (p) return p;
      }
    }
  }
  if (Array.isArray(value) && schema['items'] !== undefined) {
    for (let i = 0; i < value.length; i++) {
      const p = schemaProblem(root, value[i], schema['items'] as Schema, `${at}[${i}]`);
      if (p) return p;
    }
  }
  return undefined;
}

function hasType(v: unknown, type: string): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return typeof v === type;
  }
}
