import {
  applyDecorators,
  ValidationPipe,
  type ArgumentMetadata,
  type ValidationError,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { Transform } from 'class-transformer';
import { getMetadataStorage, ValidateBy } from 'class-validator';
import { ApiError } from './api-error.js';
import { BODY_MESSAGES } from './request-body.js';
import {
  integerProblem,
  parseInteger,
  repeatedProblem,
  unknownNameProblems,
  type Problem,
} from './input-rules.js';

function flatten(errors: ValidationError[], parent = ''): Problem[] {
  return errors.flatMap((error) => {
    const parameter = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ parameter, message }));
    return [...own, ...flatten(error.children ?? [], parameter)];
  });
}

/** The one validation pipeline, shared by main.ts and the test bootstrap. */
export const VALIDATION_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => ApiError.problems(flatten(errors)),
};

type Metatype = NonNullable<ArgumentMetadata['metatype']>;
const declared = new WeakMap<Metatype, string[]>();

/** The names a DTO class declares: its properties with a rule (what whitelisting keeps). */
function declaredNames(metatype: Metatype): string[] {
  let names = declared.get(metatype);
  if (!names) {
    const rules = getMetadataStorage().getTargetValidationMetadatas(metatype, '', true, false);
    names = [...new Set(rules.map((rule) => rule.propertyName))];
    declared.set(metatype, names);
  }
  return names;
}

/**
 * The global ValidationPipe, refusing unknown names before class-transformer sees the value.
 * Whitelisting alone misses some: class-transformer skips a key that names a function every
 * instance inherits (`constructor`, `toString`, `hasOwnProperty`…) and Nest drops `__proto__`,
 * so `{"constructor": "x"}` passed as if the key were not there. Here the own keys of the body
 * or query object are compared with the names the DTO declares, whatever they are called.
 */
class StrictValidationPipe extends ValidationPipe {
  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype, type, data } = metadata;
    if (metatype && !data && (type === 'body' || type === 'query') && this.toValidate(metadata)) {
      if (type === 'body' && value !== undefined && !isJsonObject(value)) {
        throw ApiError.invalid(BODY_MESSAGES.notObject);
      }
      const kind = type === 'body' ? 'field' : 'query parameter';
      const unknown = unknownNameProblems(Object.keys(value ?? {}), declaredNames(metatype), kind);
      if (unknown.length > 0) throw ApiError.problems(unknown);
    }
    return super.transform(value, metadata);
  }
}

function isJsonObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe(VALIDATION_OPTIONS);
}

/** The query of a route without parameters: `@Query() _query: NoParameters` refuses any given. */
export class NoParameters {}

/** A rule of input-rules.ts for one field: why its value is unusable, or undefined. */
export type Check = (field: string, value: unknown) => string | undefined;

/**
 * Validates a DTO property with a rule of input-rules.ts, so a body field or query parameter
 * gets the same bounds and messages as everywhere else (`report_slug is required`,
 * `window must be one of day, week`).
 */
export function Rule(check: Check): PropertyDecorator {
  return ValidateBy({
    name: 'inputRule',
    validator: {
      validate: (value, args) => check(args?.property ?? 'value', value) === undefined,
      defaultMessage: (args) =>
        check(args?.property ?? 'value', args?.value) ?? `${args?.property} is invalid`,
    },
  });
}

/** A text field taken without surrounding white space (so a blank one is an empty one). */
export function Trimmed(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim() : value,
  );
}

/** An optional JSON field: it may be left out; `null` is not a way to leave it out. */
export function optional(check: Check): Check {
  return (field, value) => {
    if (value === undefined) return undefined;
    if (value === null) return `${field} must not be null (leave it out instead)`;
    return check(field, value);
  };
}

/** An optional query parameter: it may be left out, and may be given only once. */
export function queryParameter(check: Check): Check {
  return (field, value) =>
    value === undefined ? undefined : (repeatedProblem(field, value) ?? check(field, value));
}

/** An optional integer query parameter within [min, max], e.g. `limit` and `offset`. */
export function IntegerParameter(min: number, max: number): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }) => (typeof value === 'string' ? (parseInteger(value) ?? value) : value)),
    Rule(queryParameter((field, value) => integerProblem(field, value, min, max))),
  );
}
