import { describe, expect, it } from 'vitest';
import { usageOf } from './usage-headers.js';

describe('usageOf', () => {
  it('takes the highest percent of both headers and the regain time', () => {
    expect(
      usageOf({
        'x-app-usage': '{"call_count":12,"total_cputime":3,"total_time":40}',
        'x-business-use-case-usage':
          '{"100":[{"type":"pages","call_count":85,"total_cputime":1,"total_time":2,"estimated_time_to_regain_access":3}]}',
      }),
    ).toEqual({ maxPercent: 85, regainMinutes: 3 });
  });

  it('reads no usage from missing, malformed or odd headers', () => {
    expect(usageOf({})).toEqual({ maxPercent: 0, regainMinutes: 0 });
    expect(usageOf({ 'x-app-usage': 'not json' })).toEqual({ maxPercent: 0, regainMinutes: 0 });
    expect(
      usageOf({
        'x-app-usage': '[1,2]',
        'x-business-use-case-usage': '{"1":"x","2":[null,{"call_count":"90"}]}',
      }),
    ).toEqual({ maxPercent: 90, regainMinutes: 0 });
  });
});
