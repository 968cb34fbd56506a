/**
 * @module
 * Reading Graph's rate-limit headers. `X-App-Usage` holds the token's percents of its window
 * (`call_count`, `total_cputime`, `total_time`); `X-Business-Use-Case-Usage` holds, per business
 * (community) id, a list of such objects plus `estimated_time_to_regain_access` in minutes.
 * Servers send them as JSON text; anything unreadable counts as "no information", never as an
 * error, because a client must keep working against servers that send odd or no headers.
 */

export interface Usage {
  /** The highest percent of any budget in either header; 0 when none was readable. */
  readonly maxPercent: number;
  /** Minutes until the business use case is usable again (0 when not throttled). */
  readonly regainMinutes: number;
}

export const NO_USAGE: Usage = Object.freeze({ maxPercent: 0, regainMinutes: 0 });

const PERCENT_FIELDS = ['call_count', 'total_cputime', 'total_time'] as const;

type HeaderValue = string | string[] | undefined;

/** Usage from a response's headers (keys in lower case, as undici gives them). */
export function usageOf(headers: Record<string, HeaderValue>): Usage {
  let maxPercent = 0;
  let regainMinutes = 0;
  const app = parseJson(headers['x-app-usage']);
  if (isRecord(app)) maxPercent = Math.max(maxPercent, percentOf(app));
  const business = parseJson(headers['x-business-use-case-usage']);
  if (isRecord(business)) {
    for (const entries of Object.values(business)) {
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (!isRecord(entry)) continue;
        maxPercent = Math.max(maxPercent, percentOf(entry));
        regainMinutes = Math.max(regainMinutes, numberOf(entry.estimated_time_to_regain_access));
      }
    }
  }
  return { maxPercent, regainMinutes };
}

function percentOf(record: Record<string, unknown>): number {
  return Math.max(0, ...PERCENT_FIELDS.map((field) => numberOf(record[field])));
}

function numberOf(value: unknown): number {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number > 0 ? number : 0;
}

function parseJson(value: HeaderValue): unknown {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
