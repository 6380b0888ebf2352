import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app.config.js';
import { dataSourceOptions } from './src/database/data-source-options.js';

/**
 * The TypeORM CLI data source (`npm run migration:run`). It needs DATABASE_URL: the embedded
 * database is migrated by the service itself at start-up.
 */
const config = loadConfig(process.env);
if (!config.databaseUrl) {
  throw new Error(
    'DATABASE_URL must be set for the TypeORM CLI (the embedded database migrates at start-up)',
  );
}

export default new DataSource(dataSourceOptions(config.databaseUrl, 2));
