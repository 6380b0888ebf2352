import { ValidationPipe, type ValidationError, type ValidationPipeOptions } from '@nestjs/common';
import { Matches } from 'class-validator';
import { ApiError } from './api-error.js';

function flatten(errors: ValidationError[], parent = ''): { parameter: string; message: string }[] {
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
  exceptionFactory: (errors) => {
    const details = flatten(errors);
    const message = details.map((detail) => detail.message).join('; ') || 'invalid request';
    return ApiError.invalid(message, details);
  },
};

export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe(VALIDATION_OPTIONS);
}

/** Control characters (including NUL, which PostgreSQL text cannot hold). */
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** For identifiers and names taken from requests: no control characters. */
export function IsPlainText(): PropertyDecorator {
  // eslint-disable-next-line no-control-regex
  return Matches(/^[^\u0000-\u001f\u007f]*$/, {
    message: ({ property }) => `${property} must not contain control characters`,
  });
}
