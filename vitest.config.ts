import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Starts nothing by itself: OpenStack Swift is started by the first test file that needs
    // it, and stopped here when the run ends (test/support/swift.ts).
    globalSetup: ['test/support/swift-global-setup.ts'],
  },
});
