import type { Config } from './config.js';
import { createServices, type Services } from './services/index.js';
import { ensureAdmin, loadReferenceStudies, type AdminBootstrap } from './services/bootstrap.js';
import { openDatabase } from './store/database.js';
import { Store } from './store/store.js';

/** The composition root: one store, the services over it, and what start-up did. */
export interface Runtime {
  readonly services: Services;
  readonly store: Store;
  readonly engine: 'pglite' | 'postgres';
  readonly location: string;
  readonly appliedMigrations: readonly string[];
  close(): Promise<void>;
}

export async function openRuntime(config: Config, options: { poolSize?: number } = {}): Promise<Runtime> {
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
  });
  const store = new Store(database);
  const services = createServices(store, config);
  return {
    services,
    store,
    engine: database.engine,
    location: database.location,
    appliedMigrations: database.applied,
    close: () => store.close(),
  };
}

export interface StartupReport {
  readonly admin: AdminBootstrap | null;
  readonly loadedStudies: readonly string[];
}

/** First-start tasks: the first admin, and the reference studies unless disabled. */
export async function bootstrap(runtime: Runtime, config: Config): Promise<StartupReport> {
  const admin = await ensureAdmin(runtime.store, config.adminPassword);
  const loadedStudies = config.loadReferenceStudies
    ? await loadReferenceStudies(runtime.store, runtime.services.studies)
    : [];
  return { admin, loadedStudies };
}
