/**
 * @module
 * The one figure a bench stands or falls by, in a line that `bench/run-all.ts` collects into
 * the summary table: `BENCH-RESULT {json}`. A bench prints its own detailed tables as before,
 * then one such line per goal it checks (or per figure it shows for information only).
 */

/** A goal on the ratio: at least or at most this value; `undefined` for information only. */
export type Goal = { readonly atLeast: number } | { readonly atMost: number } | undefined;

export interface BenchResult {
  /** The bench's file name without `.ts`, e.g. `graph-vs-bare`. */
  readonly bench: string;
  /** What the ratio compares, e.g. `export node req/s, ours / bare Fastify`. */
  readonly measure: string;
  /** Our figure with its unit, e.g. `31,200 req/s`. */
  readonly ours: string;
  /** The reference's figure with its unit. */
  readonly reference: string;
  readonly ratio: number;
  readonly goal: Goal;
}

/** The prefix `run-all` looks for; the rest of the line is the JSON of a BenchResult. */
export const RESULT_PREFIX = 'BENCH-RESULT ';

export function goalText(goal: Goal): string {
  if (goal === undefined) return 'information';
  return 'atLeast' in goal ? `>= ${goal.atLeast}` : `<= ${goal.atMost}`;
}

/** PASS, MISS, or INFO when the figure has no goal. */
export function verdict(result: Pick<BenchResult, 'ratio' | 'goal'>): 'PASS' | 'MISS' | 'INFO' {
  const { goal, ratio } = result;
  if (goal === undefined) return 'INFO';
  const passed = 'atLeast' in goal ? ratio >= goal.atLeast : ratio <= goal.atMost;
  return passed ? 'PASS' : 'MISS';
}

/** Prints the result line and returns whether the goal is met (true for information only). */
export function reportResult(result: BenchResult): boolean {
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
  return verdict(result) !== 'MISS';
}

/** The results printed by a bench's run, in order, from its whole output. */
export function resultsIn(output: string): BenchResult[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith(RESULT_PREFIX))
    .map((line) => JSON.parse(line.slice(RESULT_PREFIX.length)) as BenchResult);
}
