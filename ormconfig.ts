import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app.config.js';
import { dataSourceOptions } from './src/database/data-source-options.js';

/**
 * The data source of TypeORM's own CLI (`npx typeorm migration:show -d dist/ormconfig.js`, …).
 * It needs DATABASE_URL; `npm run migration:run` (src/cli/migrate.ts) also migrates the
 * embedded database.
 */
const config = loadConfig(process.env);
if (!config.databaseUrl) {
  throw new Error(
    'DATABASE_URL must be set for the TypeORM CLI (the embedded database migrates at start-up)',
  );
}

export default new DataSource(dataSourceOptions(config.databaseUrl, 2));
