import { Global, Inject, Module, type OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { operationsConfig, type OperationsConfig } from '../config/operations.config.js';
import { MetricsController } from './metrics.controller.js';
import { Metrics } from './metrics.service.js';

/** The Prometheus registry (`Metrics`, injectable everywhere) and `GET /metrics`. */
@Global()
@Module({
  imports: [ConfigModule.forFeature(operationsConfig)],
  controllers: [MetricsController],
  providers: [Metrics],
  exports: [Metrics],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    @Inject(operationsConfig.KEY) private readonly config: OperationsConfig,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    if (this.config.metricsEnabled) this.metrics.collectDefaults();
  }
}
