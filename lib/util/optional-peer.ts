/**
 * Optional peer dependencies (AWS SDK packages, prom-client, @opentelemetry/api) are loaded
 * on first use by the features that need them (MSK IAM, metrics exporters).
 */
import { ConfigError } from './errors';

/**
 * Loads an optional peer dependency; when it is not installed, throws a {@link ConfigError}
 * naming the package to `npm install` instead of Node's bare "Cannot find module".
 */
export async function importOptionalPeer<T>(pkg: string, purpose: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : '';
    const missing =
      code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' || /Cannot find (module|package)/.test(message);
    if (!missing) throw error;
    const e = new ConfigError(purpose, `requires the optional package ${pkg}: run \`npm install ${pkg}\``);
    Object.defineProperty(e, 'cause', { value: error, enumerable: false, configurable: true, writable: true });
    throw e;
  }
}
