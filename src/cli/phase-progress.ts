/**
 * @module
 * Progress of a long operation made of phases (`dyi backup`, `dyi restore`), on stderr: a
 * cli-progress bar per phase on a terminal; off a terminal, a line per tenth of each phase, so
 * logs stay short.
 */
import type cliProgress from 'cli-progress';

export interface PhaseProgress {
  /** `done` of `total` items of `phase`; `detail` is shown beside the counts. */
  update(phase: string, done: number, total: number, detail?: string): void;
  stop(): void;
}

/** A progress display for stderr: bars on a terminal, plain lines otherwise. */
export async function phaseProgress(): Promise<PhaseProgress> {
  if (!process.stderr.isTTY) return new PlainPhaseLines();
  // Loaded for a terminal only: scripts and pipes start without it.
  const { default: progressBars } = await import('cli-progress');
  return new PhaseBars(progressBars);
}

class PlainPhaseLines implements PhaseProgress {
  #phase = '';
  #tenth = -1;

  update(phase: string, done: number, total: number, detail = ''): void {
    const tenth = total === 0 ? 10 : Math.floor((done * 10) / total);
    if (phase === this.#phase && tenth === this.#tenth) return;
    this.#phase = phase;
    this.#tenth = tenth;
    process.stderr.write(`${phase}: ${done}/${total}${detail ? ` (${detail})` : ''}\n`);
  }

  stop(): void {}
}

class PhaseBars implements PhaseProgress {
  readonly #progressBars: typeof cliProgress;
  #bar: cliProgress.SingleBar | undefined;
  #phase = '';

  constructor(progressBars: typeof cliProgress) {
    this.#progressBars = progressBars;
  }

  update(phase: string, done: number, total: number, detail = ''): void {
    if (phase !== this.#phase || this.#bar === undefined) {
      this.#bar?.stop();
      this.#phase = phase;
      this.#bar = new this.#progressBars.SingleBar(
        { format: `${phase} {bar} {value}/{total} {detail}`, hideCursor: true },
        this.#progressBars.Presets.shades_classic,
      );
      this.#bar.start(total, done, { detail });
      return;
    }
    this.#bar.update(done, { detail });
  }

  stop(): void {
    this.#bar?.stop();
    this.#bar = undefined;
  }
}
