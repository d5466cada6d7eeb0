import { configDefaults, defineConfig } from 'vitest/config'

/**
 * Two projects in one run (one report, each test named with its project's name in front):
 * - files: every test, the bots on the data folder's files (the default store);
 * - postgres: the whole-conversation suite again, every bot on a database of its own on one
 *   PostgreSQL server for the project (test/setup/postgres-global.ts; test/support/chat.ts
 *   gives each bot its database). `npx vitest run --project postgres` runs it alone.
 */
export default defineConfig({
  test: {
    // forks, not threads: the setup file changes the working directory (see test/setup/cwd.ts)
    pool: 'forks',
    setupFiles: ['test/setup/cwd.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'files',
          include: ['test/**/*.test.ts'],
        },
      },
      {
        extends: true,
        test: {
          name: 'postgres',
          include: ['test/conversation/**/*.test.ts'],
          exclude: [
            ...configDefaults.exclude,
            // Already on PostgreSQL, with a server of its own (npm start with DATABASE_URL, two numbers in one database).
            'test/conversation/postgres.test.ts',
            // On the memory store (the engine's reading of opt-outs, case by case): no store of the project's is used.
            'test/conversation/opt-out.test.ts',
          ],
          env: { TEST_STORE: 'postgres' },
          globalSetup: ['test/setup/postgres-global.ts'],
          setupFiles: ['test/setup/postgres-tests.ts'],
        },
      },
    ],
  },
})
