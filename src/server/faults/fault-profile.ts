/**
 * @module
 * Fault profiles of `dyi serve --faults`: how often each fault strikes, and how long the slow
 * ones last. A profile is a built-in name (`flaky`, `rate-limited`, `slow`, `broken-downloads`,
 * `everything`), a list of `key=value` settings (`transient=0.1,cut=0.2`), both (`flaky,cut=0.3`:
 * the built-in with changes), or the path of a JSON file holding the same keys (and optionally
 * `"profile": "<built-in>"` to start from). Anything else is refused with the allowed names.
 */
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../../domain/index.js';

/** Chances in [0, 1] that a request meets each fault. */
export interface FaultRates {
  /** Graph calls refused with a rate-limit error (codes 4, 17, 32, 613). */
  readonly rate_limit: number;
  /** Graph calls and downloads answered 500 or 503 with code 2, `is_transient: true`. */
  readonly transient: number;
  /** Pages of a list edge answered "retry your request" (code 1 or 2). */
  readonly page_retry: number;
  /** Graph calls and downloads answered late (see `slow_ms`). */
  readonly slow: number;
  /** Downloads whose body stops mid-way and whose connection closes. */
  readonly cut: number;
  /** Downloads whose body stops mid-way and then sends nothing for `stall_ms`. */
  readonly stall: number;
  /** Downloads refused with the expired-URL error (403, code 190, subcode 463). */
  readonly expired: number;
}

/** How long the slow faults last. */
export interface FaultTimings {
  /** Longest added latency, in milliseconds; each slow answer waits between half and all of it. */
  readonly slow_ms: number;
  /** How long a stalled download sends nothing before its connection closes, in milliseconds. */
  readonly stall_ms: number;
  /** `Retry-After` of a rate-limit error, in seconds. */
  readonly retry_after_s: number;
}

export interface FaultProfile extends FaultRates, FaultTimings {
  /** How the profile was named at start (a built-in's name, the settings, or the file). */
  readonly name: string;
}

export const RATE_KEYS = [
  'rate_limit',
  'transient',
  'page_retry',
  'slow',
  'cut',
  'stall',
  'expired',
] as const satisfies readonly (keyof FaultRates)[];

export const TIMING_KEYS = [
  'slow_ms',
  'stall_ms',
  'retry_after_s',
] as const satisfies readonly (keyof FaultTimings)[];

const NO_FAULTS: FaultRates & FaultTimings = Object.freeze({
  rate_limit: 0,
  transient: 0,
  page_retry: 0,
  slow: 0,
  cut: 0,
  stall: 0,
  expired: 0,
  // Above `dyi download`'s default idle timeout (30 s), so that a stall is one for it.
  slow_ms: 2000,
  stall_ms: 35_000,
  retry_after_s: 1,
});

/** The built-in profiles; docs/fault-mode.md lists them with the same numbers. */
export const BUILT_IN_PROFILES: Readonly<Record<string, Partial<FaultRates & FaultTimings>>> = {
  flaky: { transient: 0.1, page_retry: 0.05, cut: 0.05, slow: 0.05, slow_ms: 1000 },
  'rate-limited': { rate_limit: 0.25 },
  slow: { slow: 0.5, slow_ms: 1000 },
  'broken-downloads': { cut: 0.2, stall: 0.1, expired: 0.1, transient: 0.05 },
  everything: {
    rate_limit: 0.05,
    transient: 0.05,
    page_retry: 0.05,
    slow: 0.1,
    cut: 0.1,
    stall: 0.05,
    expired: 0.05,
    slow_ms: 1000,
  },
};

/** The largest value each timing may take. */
const TIMING_LIMITS: Readonly<Record<keyof FaultTimings, number>> = {
  slow_ms: 600_000,
  stall_ms: 3_600_000,
  retry_after_s: 3600,
};

/**
 * The profile `spec` names (see the module comment); `readFile` reads a JSON profile (tests
 * pass their own). Throws a ConfigurationError naming what was wrong and what is allowed.
 */
export function parseFaultProfile(
  spec: string,
  readFile: (file: string) => string = (file) => readFileSync(file, 'utf8'),
): FaultProfile {
  const text = spec.trim();
  if (text === '') throw refusal(`an empty profile`);
  const settings = text.endsWith('.json') ? fromJsonFile(text, readFile) : fromList(text);
  const profile = { ...NO_FAULTS, ...settings, name: text };
  checkSums(profile);
  return Object.freeze(profile);
}

/** `flaky,cut=0.3` or `transient=0.1,cut=0.2`: an optional built-in first, then settings. */
function fromList(text: string): Partial<FaultRates & FaultTimings> {
  let settings: Partial<FaultRates & FaultTimings> = {};
  text.split(',').forEach((item, index) => {
    const entry = item.trim();
    const equals = entry.indexOf('=');
    if (equals < 0) {
      if (index > 0) throw refusal(`"${entry}" (a built-in profile can only come first)`);
      settings = builtIn(entry);
      return;
    }
    const key = entry.slice(0, equals).trim();
    settings = { ...settings, [key]: checkedValue(key, entry.slice(equals + 1).trim()) };
  });
  return settings;
}

function fromJsonFile(file: string, readFile: (file: string) => string): Partial<FaultRates> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFile(file));
  } catch (error) {
    throw new ConfigurationError(
      `Cannot read the fault profile ${file}: ${(error as Error).message}; give a JSON object such as {"profile": "flaky", "cut": 0.3}.`,
      { cause: error },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw refusal(`${file}, which does not hold a JSON object`);
  }
  const { profile, ...rest } = parsed as Record<string, unknown>;
  if (profile !== undefined && typeof profile !== 'string') {
    throw refusal(`"profile": ${JSON.stringify(profile)} in ${file}`);
  }
  let settings = profile === undefined ? {} : builtIn(profile);
  for (const [key, value] of Object.entries(rest)) {
    settings = { ...settings, [key]: checkedValue(key, String(value)) };
  }
  return settings;
}

function builtIn(name: string): Partial<FaultRates & FaultTimings> {
  const found = Object.hasOwn(BUILT_IN_PROFILES, name) ? BUILT_IN_PROFILES[name] : undefined;
  if (found === undefined) throw refusal(`the profile "${name}"`);
  return found;
}

function checkedValue(key: string, raw: string): number {
  const value = raw === '' ? Number.NaN : Number(raw);
  if ((RATE_KEYS as readonly string[]).includes(key)) {
    if (!(value >= 0 && value <= 1)) {
      throw new ConfigurationError(
        `Fault rate ${key}=${raw} is not a chance: give a number from 0 to 1 (0.1 is 10 % of requests).`,
      );
    }
    return value;
  }
  if ((TIMING_KEYS as readonly string[]).includes(key)) {
    const limit = TIMING_LIMITS[key as keyof FaultTimings];
    if (!(Number.isInteger(value) && value >= 0 && value <= limit)) {
      throw new ConfigurationError(
        `Fault setting ${key}=${raw} is not allowed: give a whole number from 0 to ${limit}.`,
      );
    }
    return value;
  }
  throw refusal(`the setting "${key}"`);
}

/** One request meets at most one error fault, so the chances of each kind must add up to 1. */
function checkSums(profile: FaultRates): void {
  const graph = profile.rate_limit + profile.transient + profile.page_retry;
  const downloads = profile.transient + profile.cut + profile.stall + profile.expired;
  if (graph > 1 + 1e-9 || downloads > 1 + 1e-9) {
    throw new ConfigurationError(
      `The fault rates add up to more than 1 (Graph calls: rate_limit + transient + page_retry = ${round(graph)}; downloads: transient + cut + stall + expired = ${round(downloads)}); lower them so each sum is at most 1.`,
    );
  }
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function refusal(what: string): ConfigurationError {
  return new ConfigurationError(
    `Fault mode does not know ${what}. Give a built-in profile (${Object.keys(BUILT_IN_PROFILES).join(', ')}), ` +
      `settings such as transient=0.1,cut=0.2 (rates from 0 to 1: ${RATE_KEYS.join(', ')}; ` +
      `times: ${TIMING_KEYS.join(', ')}), a built-in with settings (flaky,cut=0.3), or a JSON file (profile.json).`,
  );
}

/** One line for the banner: the profile's non-zero rates and its timings. */
export function describeFaultProfile(profile: FaultProfile): string {
  const rates = RATE_KEYS.filter((key) => profile[key] > 0)
    .map((key) => `${key} ${round(profile[key] * 100)} %`)
    .join(', ');
  const times = TIMING_KEYS.map((key) => `${key}=${profile[key]}`).join(', ');
  return `${rates === '' ? 'no faults' : rates} (${times})`;
}
