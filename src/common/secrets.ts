import { Global, Module } from '@nestjs/common';
import { appConfig, type AppConfig } from '../config/app.config.js';
import { operationsConfig, type OperationsConfig } from '../config/operations.config.js';

/**
 * Secrets shorter than this are not looked for in other values: they would match ordinary words
 * (`METRICS_TOKEN=ops` in `X-Actor: ops-team`). Access lines still redact them.
 */
export const MIN_FOUND_LENGTH = 8;

/**
 * The configured secrets (the two API keys and the metrics token), which no value the service
 * stores, logs or labels a metric with may contain: a request id, an actor. Compared as they
 * are and as their UTF-8 bytes read one character per byte (how Node reads a header value).
 */
export class Secrets {
  static readonly NONE = new Secrets([]);

  /** Each secret once, as configured. */
  readonly texts: readonly string[];
  private readonly spellings: readonly string[];

  constructor(secrets: readonly string[]) {
    this.texts = [...new Set(secrets)].filter((secret) => secret !== '');
    const found = this.texts.filter((secret) => secret.length >= MIN_FOUND_LENGTH);
    this.spellings = [
      ...new Set(found.flatMap((secret) => [secret, Buffer.from(secret).toString('latin1')])),
    ];
  }

  /** The configured API keys and metrics token. */
  static of(
    config: Pick<AppConfig, 'managementApiKey' | 'ingestApiKey'>,
    operations: Pick<OperationsConfig, 'metricsToken'>,
  ): Secrets {
    return new Secrets([
      config.managementApiKey,
      config.ingestApiKey,
      operations.metricsToken ?? '',
    ]);
  }

  /** Whether `text` contains a secret (of at least MIN_FOUND_LENGTH characters). */
  foundIn(text: string): boolean {
    return this.spellings.some((secret) => text.includes(secret));
  }
}

/** Provides the configured Secrets to every module. */
@Global()
@Module({
  providers: [
    {
      provide: Secrets,
      useFactory: (config: AppConfig, operations: OperationsConfig) =>
        Secrets.of(config, operations),
      inject: [appConfig.KEY, operationsConfig.KEY],
    },
  ],
  exports: [Secrets],
})
export class SecretsModule {}
