/** KafkaJS's instrumentation events: `client.on(eventName, listener)` returns a remover. */
import { EventEmitter } from 'node:events';

import type { InstrumentationEvent } from './types';

let nextId = 0;

/** Emits KafkaJS instrumentation events (`{ id, type, timestamp, payload }`) of one client. */
export class Instrumentation {
  private readonly emitter = new EventEmitter();
  constructor(private readonly known: ReadonlySet<string>) {
    this.emitter.setMaxListeners(0);
  }

  /** Adds a listener; returns the function that removes it. Unknown event names throw, as in KafkaJS. */
  on(type: string, listener: (event: InstrumentationEvent<any>) => void): () => void {
    if (!this.known.has(type)) throw new TypeError(`Event name should be one of ${[...this.known].join(', ')}, got ${String(type)}`);
    const wrapped = (event: InstrumentationEvent<unknown>): void => {
      // A listener's error must not break the client, as in KafkaJS (which logs and goes on).
      try {
        const r = listener(event) as unknown;
        if (r instanceof Promise) r.catch(() => undefined);
      } catch {
        /* ignored */
      }
    };
    this.emitter.on(type, wrapped);
    return () => {
      this.emitter.off(type, wrapped);
    };
  }

  /** True when someone listens to `type` (to skip building payloads nobody reads). */
  has(type: string): boolean {
    return this.emitter.listenerCount(type) > 0;
  }

  emit<T>(type: string, payload: T): void {
    if (this.emitter.listenerCount(type) === 0) return;
    this.emitter.emit(type, { id: String(nextId++), type, timestamp: Date.now(), payload });
  }
}
