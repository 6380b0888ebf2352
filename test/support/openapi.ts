/**
 * Checks a real response against the OpenAPI document, for the tests that execute the documented
 * examples: the subset of OpenAPI 3.0 schemas the document uses ($ref, allOf, oneOf, nullable,
 * enum, type, properties, required, additionalProperties, items, maxItems). Stricter than
 * OpenAPI on one point: a property the schema does not list is a problem (an undocumented field),
 * unless the schema says `additionalProperties: true` (free-form objects such as payloads).
 */

export interface Schema {
  $ref?: string;
  allOf?: Schema[];
  oneOf?: Schema[];
  nullable?: boolean;
  enum?: unknown[];
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  maxItems?: number;
  example?: unknown;
  default?: unknown;
}

export interface OpenApiDocument {
  info: { description: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  description?: string;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
  schema?: Schema;
}

export interface Content {
  schema?: Schema;
  examples?: Record<string, { summary?: string; value: unknown }>;
}

export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, Content> };
  responses: Record<string, { content?: Record<string, Content> }>;
  security?: Record<string, string[]>[];
}

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components.schemas[name];
  if (!target) throw new Error(`unknown schema ${schema.$ref}`);
  return target;
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (Number.isInteger(value)) return 'integer';
  return typeof value;
}

/** What is wrong with `value` as an instance of `schema` (nothing: an empty list). */
export function schemaProblems(
  doc: OpenApiDocument,
  given: Schema,
  value: unknown,
  at = '$',
): string[] {
  const schema = resolve(doc, given);
  if (value === null) return schema.nullable ? [] : [`${at} is null`];
  const problems: string[] = [];
  for (const part of schema.allOf ?? []) problems.push(...schemaProblems(doc, part, value, at));
  if (schema.oneOf) {
    const matches = schema.oneOf.filter((one) => schemaProblems(doc, one, value, at).length === 0);
    if (matches.length !== 1) problems.push(`${at} matches ${matches.length} schemas of oneOf`);
  }
  if (schema.enum && !schema.enum.includes(value)) {
    problems.push(`${at} = ${JSON.stringify(value)} is not one of ${schema.enum.join(', ')}`);
  }
  const type = typeOf(value);
  if (schema.type && schema.type !== type && !(schema.type === 'number' && type === 'integer')) {
    return [...problems, `${at} is ${type}, documented as ${schema.type}`];
  }
  if (Array.isArray(value)) {
    if (schema.maxItems !== undefined && value.length > schema.maxItems) {
      problems.push(`${at} has ${value.length} items, at most ${schema.maxItems} documented`);
    }
    value.forEach((item, index) => {
      if (schema.items)
        problems.push(...schemaProblems(doc, schema.items, item, `${at}[${index}]`));
    });
  } else if (type === 'object' && (schema.properties || schema.type === 'object')) {
    const object = value as Record<string, unknown>;
    const properties = schema.properties ?? {};
    for (const name of schema.required ?? []) {
      if (!(name in object)) problems.push(`${at}.${name} is missing`);
    }
    for (const [name, item] of Object.entries(object)) {
      const extra = schema.additionalProperties;
      if (properties[name]) {
        problems.push(...schemaProblems(doc, properties[name], item, `${at}.${name}`));
      } else if (typeof extra === 'object') {
        problems.push(...schemaProblems(doc, extra, item, `${at}.${name}`));
      } else if (extra !== true && !schema.allOf) {
        problems.push(`${at}.${name} is not documented`);
      }
    }
  }
  return problems;
}

/** The success status a route documents (its one 2xx response). */
export function successStatus(operation: Operation): number {
  const statuses = Object.keys(operation.responses).filter((status) => /^2\d\d$/.test(status));
  if (statuses.length !== 1) throw new Error(`${operation.operationId}: ${statuses.length} 2xx`);
  return Number(statuses[0]);
}

/**
 * The value Swagger UI's "Try it out" puts in a parameter's field before the user types
 * anything: its example, else its schema's example, else its schema's default.
 */
export function prefilled(parameter: Parameter): unknown {
  const [first] = Object.values(parameter.examples ?? {});
  return (
    first?.value ?? parameter.example ?? parameter.schema?.example ?? parameter.schema?.default
  );
}
