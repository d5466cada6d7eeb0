import { configDefaults, defineConfig } from 'vitest/config'

/**
 * Three projects in one run (one report, each test named with its project's name in front):
 * - files: every test, the bots on the data folder's files (the default store);
 * - postgres: the whole-conversation suite again, every bot on a database of its own on one
 *   PostgreSQL server for the project (test/setup/postgres-global.ts; test/support/chat.ts
 *   gives each bot its database). `npx vitest run --project postgres` runs it alone.
 * - cloud: the whole-conversation suite again on Meta's Cloud API: each message a signed webhook
 *   of Meta's documented shape posted to the bot's /webhooks/whatsapp, each reply sent to a fake
 *   Graph API (test/support/cloud-chat.ts).
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
      {
        extends: true,
        test: {
          name: 'cloud',
          include: ['test/conversation/**/*.test.ts'],
          exclude: [
            ...configDefaults.exclude,
            // Provider-bound: BuilderBot's test provider fed malformed payloads; Baileys' own messages and staff path.
            'test/conversation/bad-input.test.ts',
            'test/conversation/real-whatsapp.test.ts',
            'test/conversation/real-whatsapp-identity.test.ts',
            'test/conversation/handover.test.ts',
            // Below the provider (the engine fed Inbounds) or on a store of their own: the same on every provider.
            'test/conversation/one-person.test.ts',
            'test/conversation/opt-out.test.ts',
            'test/conversation/postgres.test.ts',
            // The Cloud API's own conversations run in the files project already.
            'test/conversation/cloud-api.test.ts',
          ],
          env: { TEST_PROVIDER: 'cloud' },
        },
      },
    ],
  },
})
