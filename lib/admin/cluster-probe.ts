/**
 * The readiness probe of producers and consumers: their native handles have no request that
 * only the cluster can answer, so a short-lived admin client with the same configuration and
 * authentication sends one (a metadata request) and is closed again.
 */
import { KafkaAdmin } from './admin';
import type { ClientOptions, ProbeSource } from '../core/client-base';
import { configForRole } from '../config/config';
import type { KafkaError } from '../util/errors';

/** Resolves once the cluster answered a metadata request within `timeoutMs`; rejects otherwise. */
export async function probeWithAdmin(source: ProbeSource, timeoutMs: number, onError: (error: KafkaError) => void): Promise<void> {
  const options: ClientOptions = {};
  if (source.options.oauthbearer !== undefined) options.oauthbearer = source.options.oauthbearer;
  if (source.options.awsMskIam !== undefined) options.awsMskIam = source.options.awsMskIam;
  const admin = new KafkaAdmin(configForRole('admin', source.config), { ...options, repeatWindowMs: 0 });
  // The probe's connection errors explain a failure; they are not the application's events.
  admin.on('error', onError);
  try {
    await admin.describeCluster({ timeoutMs });
  } finally {
    await admin.close();
  }
}
