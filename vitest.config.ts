import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // forks, not threads: the setup file changes the working directory (see test/setup/cwd.ts)
    pool: 'forks',
    setupFiles: ['test/setup/cwd.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
})
