import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // expect.poll waits for the page or the server; its 1 s default broke on a busy machine (a
    // signature's password check alone can take longer). Deadlines are generous, never the pace.
    expect: { poll: { timeout: 30_000 } },
    globalSetup: [
      'test/global-setup.ts',
      'test/pglite-template.global-setup.ts',
      'test/web/build.global-setup.ts',
    ],
  },
});
