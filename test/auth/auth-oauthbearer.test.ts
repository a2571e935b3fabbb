import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, KafkaError } from '../../lib/util/errors';
import {
  TokenRefresher,
  type OAuthBearerToken,
  type RefreshClock,
  type TokenRefresherOptions,
  type TokenSink,
} from '../../lib/auth';

const T0 = Date.UTC(2025, 0, 1);

/** A manual clock: timers fire only in advance(), in due order. */
class FakeClock implements RefreshClock {
  time = T0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  now = (): number => this.time;
  setTimeout = (fn: () => void, ms: number): unknown => {
    const t = { at: this.time + ms, fn, id: this.nextId++ };
    this.timers.push(t);
    return t.id;
  };
  clearTimeout = (id: unknown): void => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  /** Delays of pending timers from now. */
  pending(): number[] {
    return this.timers.map((t) => t.at - this.time).sort((a, b) => a - b);
  }
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await flush();
      const next = this.timers.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
    }
    this.time = until;
    await flush();
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

interface Recorded {
  tokens: { token: string; expiresAtMs: number; principal: string; extensions: Record<string, string>; at: number }[];
  failures: { message: string; at: number }[];
}

function recordingSink(clock: FakeClock): TokenSink & Recorded {
  const r: Recorded = { tokens: [], failures: [] };
  return {
    ...r,
    setToken: (token, expiresAtMs, principal, extensions) => r.tokens.push({ token, expiresAtMs, principal, extensions, at: clock.now() }),
    setTokenFailure: (message) => r.failures.push({ message, at: clock.now() }),
  };
}

function setup(provider: () => Promise<OAuthBearerToken>, options: TokenRefresherOptions = {}) {
  const clock = new FakeClock();
  const sink = recordingSink(clock);
  const refresher = new TokenRefresher(provider, sink, { clock, jitter: false, ...options });
  return { clock, sink, refresher };
}

const token = (n: number, lifetimeMs = 100_000): OAuthBearerToken => ({ token: `tok-${n}`, lifetimeMs, principal: 'alice' });

describe('TokenRefresher with a provider', () => {
  it('sets the token librdkafka asked for, with an absolute expiry', async () => {
    const { clock, sink, refresher } = setup(async () => ({ ...token(1), extensions: { traceId: 'abc' } }));
    await refresher.onRefreshRequested();
    expect(sink.tokens).toEqual([
      { token: 'tok-1', expiresAtMs: T0 + 100_000, principal: 'alice', extensions: { traceId: 'abc' }, at: T0 },
    ]);
    expect(sink.failures).toEqual([]);
    expect(clock.pending()).toEqual([90_000]); // self-refresh at 90% of the lifetime
    refresher.close();
  });

  it('never calls the provider twice at once', async () => {
    let calls = 0;
    let release: (t: OAuthBearerToken) => void = () => {};
    const { sink, refresher } = setup(() => {
      calls++;
      return new Promise((resolve) => (release = resolve));
    });
    const a = refresher.onRefreshRequested();
    const b = refresher.onRefreshRequested();
    expect(b).toBe(a);
    expect(calls).toBe(1);
    release(token(1));
    await Promise.all([a, b]);
    expect(sink.tokens).toHaveLength(1);
    const c = refresher.onRefreshRequested();
    expect(calls).toBe(2);
    release(token(2));
    await c;
    expect(sink.tokens).toHaveLength(2);
    refresher.close();
  });

  it('refreshes by itself before expiry when librdkafka does not ask', async () => {
    let n = 0;
    const { clock, sink, refresher } = setup(async () => token(++n));
    await refresher.onRefreshRequested();
    await clock.advance(89_999);
    expect(sink.tokens).toHaveLength(1);
    await clock.advance(1);
    expect(sink.tokens.map((t) => [t.token, t.at, t.expiresAtMs])).toEqual([
      ['tok-1', T0, T0 + 100_000],
      ['tok-2', T0 + 90_000, T0 + 190_000],
    ]);
    await clock.advance(90_000);
    expect(sink.tokens).toHaveLength(3);
    refresher.close();
  });

  it('a request from librdkafka at 80% replaces the self-refresh timer', async () => {
    let n = 0;
    const { clock, sink, refresher } = setup(async () => token(++n));
    await refresher.onRefreshRequested();
    await clock.advance(80_000);
    await refresher.onRefreshRequested();
    expect(sink.tokens).toHaveLength(2);
    expect(clock.pending()).toEqual([90_000]);
    await clock.advance(89_000);
    expect(sink.tokens).toHaveLength(2);
    refresher.close();
  });

  it('measures the lifetime from when the provider was called', async () => {
    const clock = new FakeClock();
    const sink = recordingSink(clock);
    const refresher = new TokenRefresher(
      async () => {
        await clock.advance(3_000); // a slow identity provider
        return token(1, 60_000);
      },
      sink,
      { clock, jitter: false },
    );
    await refresher.onRefreshRequested();
    expect(sink.tokens[0]?.expiresAtMs).toBe(T0 + 60_000);
    refresher.close();
  });

  it('reports failures and retries with exponential backoff up to 60 s', async () => {
    let calls = 0;
    const { clock, sink, refresher } = setup(async () => {
      calls++;
      throw new Error('identity provider unavailable');
    });
    await refresher.onRefreshRequested();
    expect(sink.failures).toEqual([{ message: 'identity provider unavailable', at: T0 }]);
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const [delay] = clock.pending();
      delays.push(delay!);
      await clock.advance(delay!);
    }
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect(calls).toBe(10);
    expect(sink.failures).toHaveLength(10);
    refresher.close();
  });

  it('a success resets the backoff', async () => {
    let fail = true;
    let n = 0;
    const { clock, sink, refresher } = setup(async () => {
      if (fail) throw new Error('down');
      return token(++n);
    });
    await refresher.onRefreshRequested();
    await clock.advance(1_000);
    await clock.advance(2_000);
    expect(clock.pending()).toEqual([4_000]);
    fail = false;
    await clock.advance(4_000);
    expect(sink.tokens).toHaveLength(1);
    fail = true;
    await clock.advance(90_000); // self-refresh fails
    expect(clock.pending()).toEqual([1_000]);
    refresher.close();
  });

  it('a request from librdkafka while a retry is scheduled does not call the provider early', async () => {
    let calls = 0;
    const { clock, refresher } = setup(async () => {
      calls++;
      throw new Error('down');
    });
    await refresher.onRefreshRequested();
    await clock.advance(500);
    await refresher.onRefreshRequested(); // librdkafka re-asks (it does every 10 s after a failure)
    expect(calls).toBe(1);
    await clock.advance(500);
    expect(calls).toBe(2);
    refresher.close();
  });

  it('jitter spreads retries by ±20%', async () => {
    const random = vi.spyOn(Math, 'random');
    try {
      random.mockReturnValue(0);
      const a = setup(
        async () => {
          throw new Error('x');
        },
        { jitter: true },
      );
      await a.refresher.onRefreshRequested();
      expect(a.clock.pending()).toEqual([800]);
      a.refresher.close();
      random.mockReturnValue(0.999999);
      const b = setup(
        async () => {
          throw new Error('x');
        },
        { jitter: true },
      );
      await b.refresher.onRefreshRequested();
      expect(b.clock.pending()[0]).toBeCloseTo(1_200, 0);
      b.refresher.close();
    } finally {
      random.mockRestore();
    }
  });

  it('redacts secrets from failure messages', async () => {
    let n = 0;
    let fail = false;
    const { clock, sink, refresher } = setup(
      async () => {
        if (fail) throw new Error(`token tok-1 rejected; client secret s3cr3t! is wrong`);
        return token(++n);
      },
      { secrets: () => ['s3cr3t!'] },
    );
    await refresher.onRefreshRequested();
    fail = true;
    await clock.advance(90_000);
    expect(sink.failures.map((f) => f.message)).toEqual(['token [redacted] rejected; client secret [redacted] is wrong']);
    refresher.close();
  });

  it('gives librdkafka a non-empty reason even for odd rejections', async () => {
    const { sink, refresher } = setup(() => Promise.reject(new Error('')));
    await refresher.onRefreshRequested();
    expect(sink.failures[0]?.message).toBe('OAUTHBEARER token provider failed without a message');
    refresher.close();
    const s2 = setup(() => Promise.reject('plain string reason'));
    await s2.refresher.onRefreshRequested();
    expect(s2.sink.failures[0]?.message).toBe('plain string reason');
    s2.refresher.close();
  });

  it('keeps retrying when the sink or the observer throws', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const refresher = new TokenRefresher(
      async () => {
        calls++;
        throw new Error('down');
      },
      {
        setToken: () => {},
        setTokenFailure: () => {
          throw new Error('client destroyed');
        },
      },
      {
        clock,
        jitter: false,
        onError: () => {
          throw new Error('observer bug');
        },
      },
    );
    await expect(refresher.onRefreshRequested()).resolves.toBeUndefined();
    await clock.advance(1_000);
    expect(calls).toBe(2);
    refresher.close();
  });

  it('passes the original error to onError', async () => {
    const seen: unknown[] = [];
    const boom = new Error('boom');
    const { refresher } = setup(() => Promise.reject(boom), { onError: (e) => seen.push(e) });
    await refresher.onRefreshRequested();
    expect(seen).toEqual([boom]);
    refresher.close();
  });

  it.each([
    [{ token: '', lifetimeMs: 1000, principal: 'p' }, /token must be a non-empty string/],
    [{ token: 't', lifetimeMs: 0, principal: 'p' }, /lifetimeMs must be a positive number/],
    [{ token: 't', lifetimeMs: Number.NaN, principal: 'p' }, /lifetimeMs must be a positive number/],
    [{ token: 't', lifetimeMs: 1000, principal: '' }, /principal must be a non-empty string/],
    [{ token: 't', lifetimeMs: 1000 }, /principal must be a non-empty string/],
    [{ token: 'tök', lifetimeMs: 1000, principal: 'p' }, /printable ASCII/],
    [{ token: 't', lifetimeMs: 1000, principal: 'p', extensions: { 'bad-key': 'v' } }, /letters A-Z, a-z only/],
    [{ token: 't', lifetimeMs: 1000, principal: 'p', extensions: { auth: 'v' } }, /"auth" is reserved/],
    [{ token: 't', lifetimeMs: 1000, principal: 'p', extensions: { k: 1 } }, /extension "k" must be a string/],
    [null, /expected an object/],
  ])('rejects an invalid token %#', async (bad, why) => {
    const { sink, refresher } = setup(async () => bad as unknown as OAuthBearerToken);
    await refresher.onRefreshRequested();
    expect(sink.tokens).toEqual([]);
    expect(sink.failures[0]?.message).toMatch(/^OAUTHBEARER token provider returned an invalid token: /);
    expect(sink.failures[0]?.message).toMatch(why);
    refresher.close();
  });

  it('treats a token the client refuses as a failure, and retries', async () => {
    const clock = new FakeClock();
    const failures: string[] = [];
    let accept = false;
    const accepted: string[] = [];
    let n = 0;
    const refresher = new TokenRefresher(
      async () => token(++n),
      {
        setToken: (t) => {
          if (!accept) throw new KafkaError({ message: 'Must supply an unexpired token', code: -186 });
          accepted.push(t);
        },
        setTokenFailure: (m) => failures.push(m),
      },
      { clock, jitter: false },
    );
    await refresher.onRefreshRequested();
    expect(failures).toEqual(['Must supply an unexpired token']);
    accept = true;
    await clock.advance(1_000);
    expect(accepted).toEqual(['tok-2']);
    refresher.close();
  });

  it('close() cancels timers and drops a result still in flight', async () => {
    let release: (t: OAuthBearerToken) => void = () => {};
    const { clock, sink, refresher } = setup(() => new Promise((resolve) => (release = resolve)));
    const pending = refresher.onRefreshRequested();
    refresher.close();
    release(token(1));
    await pending;
    expect(sink.tokens).toEqual([]);
    expect(clock.pending()).toEqual([]);
    await refresher.onRefreshRequested();
    expect(sink.tokens).toEqual([]);
  });

  it('rejects bad options', () => {
    const sink = recordingSink(new FakeClock());
    expect(() => new TokenRefresher(async () => token(1), sink, { selfRefreshRatio: 1 })).toThrow(ConfigError);
    expect(() => new TokenRefresher(async () => token(1), sink, { initialBackoffMs: 0 })).toThrow(ConfigError);
    expect(() => new TokenRefresher(42 as never, sink)).toThrow(ConfigError);
  });
});

describe('TokenRefresher with a static token', () => {
  it('sets it with its own expiry and schedules nothing', async () => {
    const clock = new FakeClock();
    const sink = recordingSink(clock);
    const refresher = new TokenRefresher({ token: 'static', expiresAtMs: T0 + 3_600_000, principal: 'svc' }, sink, { clock });
    await refresher.onRefreshRequested();
    expect(sink.tokens).toEqual([{ token: 'static', expiresAtMs: T0 + 3_600_000, principal: 'svc', extensions: {}, at: T0 }]);
    expect(clock.pending()).toEqual([]);
  });

  it('reports an expired static token', async () => {
    const clock = new FakeClock();
    const sink = recordingSink(clock);
    const refresher = new TokenRefresher({ token: 'static', expiresAtMs: T0 + 1_000, principal: 'svc' }, sink, { clock });
    await clock.advance(1_000);
    await refresher.onRefreshRequested();
    expect(sink.tokens).toEqual([]);
    expect(sink.failures.map((f) => f.message)).toEqual([`static OAUTHBEARER token expired at ${new Date(T0 + 1_000).toISOString()}`]);
    expect(clock.pending()).toEqual([]);
  });

  it('validates it at construction, without echoing the token', () => {
    const sink = recordingSink(new FakeClock());
    expect(() => new TokenRefresher({ token: '', expiresAtMs: T0, principal: 'p' }, sink)).toThrow(/invalid static OAUTHBEARER token: token must be/);
    expect(() => new TokenRefresher({ token: 'secret-tok', expiresAtMs: Number.NaN, principal: 'p' }, sink)).toThrow(
      /expiresAtMs/,
    );
    try {
      new TokenRefresher({ token: 'secret-tok', expiresAtMs: T0, principal: '' }, sink);
    } catch (e) {
      expect(String(e)).not.toContain('secret-tok');
    }
  });
});

describe('TokenRefresher on the real clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('uses setTimeout (unref’d) by default', async () => {
    vi.useFakeTimers({ now: T0 });
    let n = 0;
    const sink = recordingSink(new FakeClock());
    const refresher = new TokenRefresher(async () => token(++n, 10_000), sink);
    await refresher.onRefreshRequested();
    expect(sink.tokens[0]?.expiresAtMs).toBe(T0 + 10_000);
    await vi.advanceTimersByTimeAsync(9_000);
    expect(sink.tokens).toHaveLength(2);
    refresher.close();
    expect(vi.getTimerCount()).toBe(0);
  });
});
