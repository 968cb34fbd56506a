/**
 * @module
 * How long something took, for people: the two largest units that matter ("3 min 5 s",
 * "2 h 4 min", "1 d 3 h"), never a column of zeros. The export summary shows it.
 */

const UNITS = [
  { seconds: 86_400, name: 'd' },
  { seconds: 3_600, name: 'h' },
  { seconds: 60, name: 'min' },
  { seconds: 1, name: 's' },
] as const;

/** Whole seconds in words; under a second (or a clock that went back) is "under 1 s". */
export function durationWords(seconds: number): string {
  if (!(seconds >= 1)) return 'under 1 s';
  let left = Math.floor(seconds);
  const parts: string[] = [];
  for (const unit of UNITS) {
    const count = Math.floor(left / unit.seconds);
    left -= count * unit.seconds;
    if (count > 0 || parts.length > 0) parts.push(`${count} ${unit.name}`);
    if (parts.length === 2) break;
  }
  return parts.filter((part) => !part.startsWith('0 ')).join(' ');
}
