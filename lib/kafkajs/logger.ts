/** KafkaJS's logger: `logLevel`, `logCreator`, namespaces, and its default JSON console output. */
import { logLevel } from './enums';
import type { LogEntry, logCreator, Logger } from './types';

/** A KafkaJS logger. */
export type KafkaJSLogger = Logger;

const LABELS: Record<number, string> = { [logLevel.ERROR]: 'ERROR', [logLevel.WARN]: 'WARN', [logLevel.INFO]: 'INFO', [logLevel.DEBUG]: 'DEBUG' };

/** KafkaJS's default log creator: one JSON line per entry on the console. */
export const defaultLogCreator: logCreator = () => ({ namespace, level, label, log }: LogEntry) => {
  const prefix = namespace ? `[${namespace}] ` : '';
  const line = JSON.stringify({ level: label, ...log, message: `${prefix}${log.message}` });
  if (level === logLevel.ERROR) console.error(line);
  else if (level === logLevel.WARN) console.warn(line);
  else console.log(line);
};

function envLevel(): logLevel | undefined {
  const name = process.env.KAFKAJS_LOG_LEVEL?.toUpperCase();
  return name && name in logLevel ? (logLevel[name as keyof typeof logLevel] as logLevel) : undefined;
}

/** A KafkaJS logger with the given level (default INFO, or KAFKAJS_LOG_LEVEL) and creator (default JSON to the console). */
export function createLogger(level: logLevel = logLevel.INFO, creator: logCreator = defaultLogCreator): KafkaJSLogger {
  const state = { level: envLevel() ?? level };
  const sink = creator(state.level);
  const make = (namespace: string, own?: logLevel): Logger => {
    const emit = (lvl: logLevel) => (message: string, extra: object = {}) => {
      const threshold = own ?? state.level;
      if (lvl > threshold || threshold === logLevel.NOTHING) return;
      sink({ namespace, level: lvl, label: LABELS[lvl]!, log: { timestamp: new Date().toISOString(), logger: 'kafkajs', message, ...extra } });
    };
    return {
      error: emit(logLevel.ERROR),
      warn: emit(logLevel.WARN),
      info: emit(logLevel.INFO),
      debug: emit(logLevel.DEBUG),
      namespace: (ns: string, lvl?: logLevel) => make(ns, lvl ?? own),
      setLogLevel: (lvl: logLevel) => {
        state.level = lvl;
      },
    };
  };
  return make('');
}
