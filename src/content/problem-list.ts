/**
 * @module
 * The problems an import has found, thrown as one ValidationError that lists each as
 * `file:line: field: what is wrong`. The list holds at most MAX_LISTED_PROBLEMS; once it is
 * full the import stops reading, and the error says that the list was cut short.
 */
import { ValidationError } from '../domain/index.js';

/** Problems listed in one error; the import stops reading once it has found this many. */
export const MAX_LISTED_PROBLEMS = 20;

/** Problems found so far, thrown as one ValidationError. */
export class ProblemList {
  readonly #problems: string[] = [];
  #isTruncated = false;

  /** `at` is `file:line`, or the file alone for a problem of the whole file. */
  add(at: string, field: string, message: string): void {
    if (this.isFull) {
      this.stop();
      return;
    }
    this.#problems.push(field === '' ? `${at}: ${message}` : `${at}: ${field}: ${message}`);
  }

  /** Notes that input was left unchecked because the list is full. */
  stop(): void {
    this.#isTruncated = true;
  }

  get isFull(): boolean {
    return this.#problems.length >= MAX_LISTED_PROBLEMS;
  }

  throwIfAny(): void {
    if (this.#problems.length === 0) return;
    const count = this.#problems.length;
    const more = this.#isTruncated
      ? `\n(only the first ${MAX_LISTED_PROBLEMS} problems are listed; the import stopped there)`
      : '';
    throw new ValidationError(
      'file',
      `Nothing was imported: ${count} problem${count === 1 ? '' : 's'} in the input ` +
        `(format: docs/import-format.md). Fix ${count === 1 ? 'it' : 'them'} and import again:\n` +
        `${this.#problems.join('\n')}${more}`,
    );
  }
}
