import { describe, expect, it } from 'vitest';
import { throttled } from '../../src/shared/observability/throttle.js';

describe('throttled logging', () => {
  it('logs the first call, then one per interval with the count of dropped calls', () => {
    let clock = 0;
    const logged: Array<[string, number]> = [];
    const log = throttled<string>(30_000, (message, dropped) => logged.push([message, dropped]), () => clock);
    for (let i = 0; i < 5; i++) {
      log(`e${i}`);
      clock += 10_000;
    }
    expect(logged).toEqual([['e0', 0], ['e3', 2]]);
  });
});
