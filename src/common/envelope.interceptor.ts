import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { Enveloped } from './envelope.js';

/** Wraps every successful response in the `{data, meta}` envelope. */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(
        map((body: unknown) =>
          body instanceof Enveloped
            ? { data: body.data, meta: body.meta }
            : { data: body, meta: {} },
        ),
      );
  }
}
