/**
 * @module
 * The texts of the usage headers, `X-App-Usage` and `X-Business-Use-Case-Usage`, from a call's
 * usage figures (integer percents and minutes). Figures move in whole percents, so most calls
 * carry the same figures as the call before; each header's last text is kept with the figures
 * it was written from and given again while they are the same, instead of two strings of about
 * a hundred characters built on every call.
 */
import type { UsageSnapshot } from './usage-meter.js';

export class UsageHeaderTexts {
  readonly #appUsage = new LastText();
  readonly #businessUse = new LastText();
  #communityId: string | undefined;

  /** `X-App-Usage`: `{"call_count":N,"total_cputime":N,"total_time":N}`. */
  appUsage(token: UsageSnapshot): string {
    const last = this.#appUsage;
    if (!last.isFor(token, 0)) last.remember(token, 0, `{${usageFields(token)}}`);
    return last.text;
  }

  /**
   * `X-Business-Use-Case-Usage`: `JSON.stringify` of
   * `{[communityId]: [{type: 'pages', ...usage, estimated_time_to_regain_access}]}`, spelled out.
   */
  businessUseCaseUsage(
    communityId: string,
    community: UsageSnapshot,
    regainMinutes: number,
  ): string {
    const last = this.#businessUse;
    if (this.#communityId !== communityId || !last.isFor(community, regainMinutes)) {
      this.#communityId = communityId;
      last.remember(
        community,
        regainMinutes,
        `{${JSON.stringify(communityId)}:[{"type":"pages",${usageFields(community)},"estimated_time_to_regain_access":${regainMinutes}}]}`,
      );
    }
    return last.text;
  }
}

/**
 * A header's last text and the figures it was written from: a snapshot's percents and the
 * minutes to regain access (always 0 for X-App-Usage, which has none). NaN at first, which
 * equals no figure, so the first call writes its text.
 */
class LastText {
  #callCount = Number.NaN;
  #totalCputime = Number.NaN;
  #totalTime = Number.NaN;
  #regainMinutes = Number.NaN;
  text = '';

  isFor(snapshot: UsageSnapshot, regainMinutes: number): boolean {
    return (
      snapshot.callCount === this.#callCount &&
      snapshot.totalCputime === this.#totalCputime &&
      snapshot.totalTime === this.#totalTime &&
      regainMinutes === this.#regainMinutes
    );
  }

  remember(snapshot: UsageSnapshot, regainMinutes: number, text: string): void {
    this.#callCount = snapshot.callCount;
    this.#totalCputime = snapshot.totalCputime;
    this.#totalTime = snapshot.totalTime;
    this.#regainMinutes = regainMinutes;
    this.text = text;
  }
}

/** `"call_count":N,"total_cputime":N,"total_time":N`, the body of an X-App-Usage object. */
function usageFields(snapshot: UsageSnapshot): string {
  return `"call_count":${snapshot.callCount},"total_cputime":${snapshot.totalCputime},"total_time":${snapshot.totalTime}`;
}
