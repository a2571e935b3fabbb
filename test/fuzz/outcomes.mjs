// @ts-check
// The outcome of one thread's fuzz: every operation launched is tracked until it settles,
// its failure classified (typed errors are counted, anything else is a violation), and the
// counts become the thread's report.

/** The error a fuzz-installed handler throws on purpose. */
export class HandlerFault extends Error {
  constructor() {
    super('handler fault injected by the lifecycle fuzz');
    this.name = 'HandlerFault';
  }
}

/**
 * @typedef {object} Entry
 * @property {string} op
 * @property {number} step
 * @property {boolean} settled
 * @property {boolean} long  an operation that may legitimately wait until its client closes
 * @property {Promise<unknown>} promise
 */

/**
 * @typedef {object} ThreadReport
 * @property {string} thread
 * @property {number} seed
 * @property {number} steps
 * @property {Record<string, number>} ops           operations launched, by name
 * @property {Record<string, number>} errors        typed failures, by `Class:codeName`
 * @property {number} tracked                       promises tracked
 * @property {number} settled                       promises settled by the deadline
 * @property {Array<{ op: string, step: number }>} hanging
 * @property {string[]} violations                  untyped errors, wrong after-close behaviour, bad results
 * @property {number} errorEvents                   `error` events (all KafkaErrors unless listed in violations)
 * @property {number} afterClose                    calls made on closed clients (each checked)
 * @property {boolean} sanity                       a fresh producer/consumer round-trip worked afterwards
 * @property {number} durationMs
 */

/** @typedef {{ long?: boolean, handlerMayThrow?: boolean, at?: number }} TrackFlags */

/** An error with its class, message and the top of its stack, for a violation line. */
export const describe = (/** @type {unknown} */ e) =>
  e instanceof Error ? `${e.constructor.name}: ${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}` : `non-error ${String(e)}`;

export class Outcomes {
  /**
   * @param {{ thread: string, seed: number, trace?: (line: string) => void }} who  labels violations; receives the trace
   * @param {any} KafkaError  the library's base error class (typed failures are its instances)
   */
  constructor(who, KafkaError) {
    this.who = who;
    this.KafkaError = KafkaError;
    /** @type {Entry[]} */
    this.entries = [];
    /** @type {Record<string, number>} */
    this.ops = {};
    /** @type {Record<string, number>} */
    this.errors = {};
    /** @type {string[]} */
    this.violations = [];
    this.errorEvents = 0;
    this.afterClose = 0;
    /** The step being run: operations and violations are labelled with it. */
    this.step = 0;
    /** The client the operation being launched works on (for traces). */
    this.current = '';
  }

  /** @param {string} what */
  violation(what) {
    if (this.violations.length < 200) this.violations.push(`[${this.who.thread} seed ${this.who.seed} step ${this.step}] ${what}`);
  }

  /**
   * Classifies a failure: typed errors are counted, anything else is a violation.
   * @param {string} op @param {number} at @param {unknown} e @param {boolean} handlerMayThrow
   */
  classify(op, at, e, handlerMayThrow) {
    if (e instanceof this.KafkaError) {
      const typed = /** @type {{ constructor: Function, codeName: string }} */ (e);
      const k = `${typed.constructor.name}:${typed.codeName}`;
      this.errors[k] = (this.errors[k] ?? 0) + 1;
    } else if (handlerMayThrow && e instanceof HandlerFault) {
      this.errors.HandlerFault = (this.errors.HandlerFault ?? 0) + 1;
    } else {
      this.violation(`${op} (launched at step ${at}) failed with an untyped error: ${describe(e)}`);
    }
  }

  /**
   * Tracks a promise: it must settle, and fail only with a typed error.
   * @param {string} op @param {Promise<unknown>} promise @param {TrackFlags} [flags]
   */
  track(op, promise, flags = {}) {
    /** @type {Entry} */
    const entry = { op, step: flags.at ?? this.step, settled: false, long: flags.long ?? false, promise };
    this.entries.push(entry);
    promise.then(
      () => {
        entry.settled = true;
      },
      (e) => {
        entry.settled = true;
        this.classify(op, entry.step, e, flags.handlerMayThrow ?? false);
      },
    );
    return promise;
  }

  /**
   * Runs an operation: a synchronous throw counts like a rejection.
   * @param {string} op @param {() => unknown} fn @param {{ long?: boolean, handlerMayThrow?: boolean }} [flags]
   */
  launch(op, fn, flags) {
    this.ops[op] = (this.ops[op] ?? 0) + 1;
    this.who.trace?.(`${this.step} ${op} ${this.current}`);
    let p;
    try {
      p = Promise.resolve(fn());
    } catch (e) {
      p = Promise.reject(e);
    }
    this.track(op, p, flags);
  }

  /** A listener for a client's `error` events: they must carry KafkaErrors. @param {string} who */
  onErrorEvent(who) {
    return (/** @type {unknown} */ e) => {
      this.errorEvents++;
      if (!(e instanceof this.KafkaError)) this.violation(`${who} emitted an 'error' event that is not a KafkaError: ${describe(e)}`);
    };
  }

  /** Checks a consumed message's shape. @param {string} op @param {any} m */
  checkMessage(op, m) {
    if (m === null) return;
    if (typeof m.topic !== 'string' || !Number.isInteger(m.partition) || typeof m.offset !== 'bigint' || m.offset < 0n) {
      this.violation(`${op} returned a malformed message: ${String(m && m.topic)} [${String(m && m.partition)}] @ ${String(m && m.offset)}`);
    }
  }

  /**
   * Nothing may escape: records what reaches the process-level handlers until the returned
   * function is called.
   */
  watchProcess() {
    const onUnhandled = (/** @type {unknown} */ e) => this.violation(`unhandledRejection: ${describe(e)}`);
    const onUncaught = (/** @type {unknown} */ e) => this.violation(`uncaughtException: ${describe(e)}`);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUncaught);
    return () => {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUncaught);
    };
  }

  /** Operations that have not settled (yet). */
  pending() {
    return this.entries.filter((e) => !e.settled);
  }
}
