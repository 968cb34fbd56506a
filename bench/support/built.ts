/**
 * @module
 * The compiled package (`npm run build`) for the benches that measure our code in their own
 * process: through tsx, esbuild's name-keeping wrappers add a cost per call that production
 * never pays. Each loader returns the module typed as its TypeScript source.
 */
const DIST = new URL('../../dist/', import.meta.url);

async function importBuilt<T>(relative: string): Promise<T> {
  try {
    return (await import(new URL(relative, DIST).href)) as T;
  } catch (error) {
    throw new Error(
      `dist/${relative} is missing or stale: run \`npm run build\` before the bench.`,
      {
        cause: error,
      },
    );
  }
}

export const loadIndex = () => importBuilt<typeof import('../../src/index.js')>('index.js');
export const loadSeed = () =>
  importBuilt<typeof import('../../src/content/seed-community.js')>('content/seed-community.js');
export const loadSynthetic = () =>
  importBuilt<typeof import('../../src/content/synthetic-community.js')>(
    'content/synthetic-community.js',
  );
export const loadImporter = () =>
  importBuilt<typeof import('../../src/content/ndjson-importer.js')>('content/ndjson-importer.js');
export const loadJobRunner = () =>
  importBuilt<typeof import('../../src/export/job-runner.js')>('export/job-runner.js');
export const loadWorkerPool = () =>
  importBuilt<typeof import('../../src/export/worker-pool.js')>('export/worker-pool.js');
export const loadMediaQuality = () =>
  importBuilt<typeof import('../../src/export/media-quality.js')>('export/media-quality.js');
