/**
 * @module
 * The Graph `fields` parameter: `id,company_job{id,job_state},user_dyi_jobs.limit(5){id}`.
 * A small recursive-descent parser rather than a regular expression, because fields nest
 * without bound and a client deserves to be told which character broke the parse, in the
 * words Graph uses (`Syntax error "Expected ..." at character N: <input>`). Like Graph it
 * tolerates empty items and repeated names, so machine-built field lists never fail on
 * trivia; `formatFields` is its inverse, used to carry `fields` into paging URLs.
 */
import { ValidationError } from '../domain/errors.js';

export interface FieldSelection {
  readonly name: string;
  readonly limit?: number;
  readonly summary?: boolean;
  /** Present only when the field was expanded with `{...}`; never empty. */
  readonly children?: readonly FieldSelection[];
}

/** Levels of `{}` allowed; deeper input is refused so a request cannot exhaust the stack. */
export const MAX_FIELDS_DEPTH = 10;

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const DIGITS = /[0-9]+/y;

/** Parses a `fields` value; undefined or blank means "the default fields" and gives `[]`. */
export function parseFields(input: string | undefined): readonly FieldSelection[] {
  if (input === undefined) return [];
  // Clients send the same few `fields` on every call of a loop; parse each once.
  let parsed = parsedFields.get(input);
  if (!parsed) {
    parsed = new FieldsParser(input).parse();
    if (parsedFields.size >= PARSED_FIELDS_CACHE_SIZE) parsedFields.clear();
    parsedFields.set(input, parsed);
  }
  return parsed;
}

const PARSED_FIELDS_CACHE_SIZE = 256;
const parsedFields = new Map<string, readonly FieldSelection[]>();

/** Writes selections back in the syntax `parseFields` reads. */
export function formatFields(selections: readonly FieldSelection[]): string {
  return selections
    .map((field) => {
      let text = field.name;
      if (field.limit !== undefined) text += `.limit(${field.limit})`;
      if (field.summary !== undefined) text += `.summary(${field.summary})`;
      if (field.children && field.children.length > 0) text += `{${formatFields(field.children)}}`;
      return text;
    })
    .join(',');
}

class FieldsParser {
  readonly #input: string;
  #pos = 0;

  constructor(input: string) {
    this.#input = input;
  }

  parse(): FieldSelection[] {
    return this.#list(0);
  }

  /** A comma list up to the end of input (depth 0) or up to, not including, `}`. */
  #list(depth: number): FieldSelection[] {
    const fields: FieldSelection[] = [];
    let needsComma = false;
    for (;;) {
      this.#skipSpace();
      const next = this.#peek();
      if (next === ',') {
        this.#pos++;
        needsComma = false;
        continue;
      }
      if (depth === 0 ? next === undefined : next === '}') return mergeDuplicates(fields);
      if (needsComma) this.#expected(depth === 0 ? '"," or end of string' : '"," or "}"');
      if (next === undefined) this.#expected('a field name or "}"');
      fields.push(this.#field(depth));
      needsComma = true;
    }
  }

  #field(depth: number): FieldSelection {
    const name = this.#token(NAME) ?? this.#expected('a field name');
    let limit: number | undefined;
    let summary: boolean | undefined;
    for (this.#skipSpace(); this.#peek() === '.'; this.#skipSpace()) {
      this.#pos++;
      this.#skipSpace();
      const at = this.#pos;
      const modifier = this.#token(NAME) ?? this.#expected('"limit" or "summary"');
      if (modifier !== 'limit' && modifier !== 'summary') {
        this.#fail(`Unknown modifier "${modifier}"; expected "limit" or "summary".`, at);
      }
      if ((modifier === 'limit' ? limit : summary) !== undefined) {
        this.#fail(`Modifier "${modifier}" is given twice on "${name}".`, at);
      }
      this.#punctuation('(');
      if (modifier === 'limit') limit = this.#limit();
      else summary = this.#boolean();
      this.#punctuation(')');
    }
    let children: FieldSelection[] | undefined;
    if (this.#peek() === '{') {
      if (depth >= MAX_FIELDS_DEPTH) {
        this.#fail(`Fields nest deeper than ${MAX_FIELDS_DEPTH} levels of "{}".`, this.#pos);
      }
      this.#pos++;
      children = this.#list(depth + 1);
      if (children.length === 0) this.#expected('a field name');
      this.#pos++; // the "}" that ended the list
    }
    return {
      name,
      ...(limit !== undefined && { limit }),
      ...(summary !== undefined && { summary }),
      ...(children && { children }),
    };
  }

  #limit(): number {
    this.#skipSpace();
    const at = this.#pos;
    const digits = this.#token(DIGITS) ?? this.#expected('a non-negative integer');
    const limit = Number(digits);
    if (!Number.isSafeInteger(limit)) this.#fail(`The limit ${digits} is too large.`, at);
    return limit;
  }

  #boolean(): boolean {
    this.#skipSpace();
    const at = this.#pos;
    const word = this.#token(NAME);
    if (word === 'true' || word === 'false') return word === 'true';
    this.#pos = at;
    return this.#expected('"true" or "false"');
  }

  #punctuation(char: string): void {
    this.#skipSpace();
    if (this.#peek() !== char) this.#expected(`"${char}"`);
    this.#pos++;
  }

  #token(pattern: RegExp): string | undefined {
    this.#skipSpace();
    pattern.lastIndex = this.#pos;
    const match = pattern.exec(this.#input)?.[0];
    if (match !== undefined) this.#pos += match.length;
    return match;
  }

  #skipSpace(): void {
    while (/\s/.test(this.#input.charAt(this.#pos))) this.#pos++;
  }

  #peek(): string | undefined {
    return this.#pos < this.#input.length ? this.#input.charAt(this.#pos) : undefined;
  }

  #expected(what: string): never {
    const next = this.#peek();
    const found = next === undefined ? 'end of string' : `"${next}"`;
    return this.#fail(`Expected ${what} instead of ${found}.`, this.#pos);
  }

  #fail(problem: string, at: number): never {
    throw new ValidationError(
      'fields',
      `Syntax error "${problem}" at character ${at}: ${this.#input}`,
    );
  }
}

/**
 * Graph answers `id,id` with one `id`; a name asked for twice keeps its first place, takes
 * modifiers given later, and expands to the union of both expansions.
 */
function mergeDuplicates(fields: readonly FieldSelection[]): FieldSelection[] {
  const byName = new Map<string, FieldSelection>();
  for (const field of fields) {
    const earlier = byName.get(field.name);
    byName.set(field.name, earlier ? mergeTwo(earlier, field) : field);
  }
  return [...byName.values()];
}

function mergeTwo(earlier: FieldSelection, later: FieldSelection): FieldSelection {
  const limit = later.limit ?? earlier.limit;
  const summary = later.summary ?? earlier.summary;
  const children = [...(earlier.children ?? []), ...(later.children ?? [])];
  return {
    name: earlier.name,
    ...(limit !== undefined && { limit }),
    ...(summary !== undefined && { summary }),
    ...(children.length > 0 && { children: mergeDuplicates(children) }),
  };
}
