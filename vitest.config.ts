import { defineConfig } from 'vitest/config';

/**
 * The end-to-end tests that run a second time on a scale-out deployment (the `scale-out`
 * project): the Graph API, the engine, the downloader and the admin panel, each against 2 API
 * processes behind a round-robin balancer and 2 worker processes (test/support/cluster-fixture.ts),
 * on the storage DYI_TEST_SCALE_OUT names (PostgreSQL and S3 in CI).
 */
export const SCALE_OUT_SUITE = [
  'test/graph-paging.test.ts',
  'test/graph-protocol.test.ts',
  'test/graph-objects.test.ts',
  'test/graph-writes.test.ts',
  'test/graph-errors.test.ts',
  'test/graph-budget.test.ts',
  'test/wire-envelopes.test.ts',
  'test/isolation.test.ts',
  'test/bad-input.property.test.ts',
  'test/export-engine.test.ts',
  'test/export-small-parts.test.ts',
  'test/export-aborts.test.ts',
  'test/former-members.test.ts',
  'test/export-privacy.test.ts',
  'test/admin-exports.test.ts',
  'test/admin-integrations.test.ts',
  'test/admin-signed-out.test.ts',
  'test/admin-community.test.ts',
  'test/admin-panel.e2e.test.ts',
  'test/downloader.e2e.test.ts',
  'test/downloader-sdk.test.ts',
  'test/downloader-terminal.e2e.test.ts',
  'test/downloader-faults.e2e.test.ts',
  'test/python-sample.e2e.test.ts',
  'test/python-sample-export.e2e.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The product compiled once for the processes tests start (test/support/dyi-cli.ts); and
    // OpenStack Swift, started by the first test file that needs it and stopped here when the
    // run ends (test/support/swift.ts).
    globalSetup: ['test/support/cli-build-global-setup.ts', 'test/support/swift-global-setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'embedded',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
          // Most files wait on processes they start (servers, workers, Chromium, curl), so
          // three at once keep two cores busy; Vitest's default (cores - 1) runs them one by one.
          maxWorkers: 3,
        },
      },
      {
        extends: true,
        test: {
          name: 'scale-out',
          include: SCALE_OUT_SUITE,
          env: { DYI_TEST_ON_CLUSTER: '1' },
          // After the embedded project, not beside it: each file here starts 4 processes.
          sequence: { groupOrder: 1 },
          // Two files at once, each on its own cluster and storage. No test may count on the
          // cluster's workers not having reached an export's jobs yet, which a loaded machine
          // breaks: one that acts on an export before its jobs run does so on a fixture whose
          // workers have not started (they start at its first runExport).
          maxWorkers: 2,
          testTimeout: 60_000,
          // A hook here starts a cluster and seeds it, beside another file's: the files leave
          // their hooks' timeouts to the projects (one of their own would override this).
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
