import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { bootstrap, openRuntime } from '../../runtime.js';
import { buildServer } from '../../server/app.js';
import { WEB_ROOT } from '../../server/web-app.js';
import { VERSION } from '../../version.js';
import type { CliIo } from '../io.js';

export function serveCommand(program: Command, io: CliIo, run: (work: () => Promise<number>) => void): void {
  program
    .command('serve')
    .description(
      'Start the HTTP server on the configured database; migrations and first-start tasks run first',
    )
    .option('--port <port>', 'port to listen on (env PORT, default 3000)')
    .option('--host <host>', 'interface to listen on (env HOST, default 127.0.0.1)')
    .action((opts: { port?: string; host?: string }) =>
      run(async () => {
        const config = loadConfig({
          ...io.env,
          ...(opts.port ? { PORT: opts.port } : {}),
          ...(opts.host ? { HOST: opts.host } : {}),
        });
        const runtime = await openRuntime(config);
        try {
          const startup = await bootstrap(runtime, config);
          const app = await buildServer({
            services: runtime.services,
            health: async () => {
              await runtime.store.ping();
              return { engine: runtime.engine, version: VERSION };
            },
            secureCookies: config.secureCookies,
            logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel,
            version: VERSION,
            webRoot: WEB_ROOT,
            trustProxy: config.trustProxy,
          });
          const address = await app.listen({ port: config.port, host: config.host });
          const url = address.replace('://[::1]', '://localhost').replace('://127.0.0.1', '://localhost');
          const where =
            runtime.engine === 'pglite'
              ? `PGlite in ${runtime.location}`
              : `PostgreSQL at ${runtime.location}`;
          io.out(`trialdesk ${VERSION} is running at ${url}\n`);
          io.out(
            existsSync(join(WEB_ROOT, 'index.html'))
              ? `  web app: open ${url} in a browser\n`
              : `  web app: not built (run "npm run build"); the API works meanwhile\n`,
          );
          io.out(`  database: ${where}\n`);
          if (runtime.appliedMigrations.length > 0)
            io.out(`  migrations applied: ${runtime.appliedMigrations.join(', ')}\n`);
          if (startup.loadedStudies.length > 0)
            io.out(`  reference studies loaded: ${startup.loadedStudies.join(', ')}\n`);
          if (startup.admin?.oneTimePassword)
            io.out(
              `  sign in as "${startup.admin.username}" with the one-time password ${startup.admin.oneTimePassword}\n` +
                `  (shown once; you will be asked to choose a new password)\n`,
            );
          else if (startup.admin)
            io.out(`  sign in as "${startup.admin.username}" with TRIALDESK_ADMIN_PASSWORD\n`);
          else io.out(`  sign in with your account (the first administrator is "admin")\n`);
          io.out(`  API reference: ${url}/api/openapi.json\n`);
          await io.untilStopped();
          io.out('stopping…\n');
          await app.close();
          return 0;
        } finally {
          await runtime.close();
        }
      }),
    );
}
