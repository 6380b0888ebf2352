import { Global, Injectable, Module } from '@nestjs/common';

/**
 * What time it is, as an injectable: background work (the refresh scheduler, retention) reads
 * the time only through it, so tests can set it.
 */
export abstract class Clock {
  abstract now(): Date;
}

@Injectable()
export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/** Provides the one Clock to every module. */
@Global()
@Module({
  providers: [{ provide: Clock, useClass: SystemClock }],
  exports: [Clock],
})
export class ClockModule {}
