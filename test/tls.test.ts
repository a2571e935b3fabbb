/**
 * TLS with the statically linked OpenSSL: the system CA bundle must be found by probing
 * the usual locations (Debian/Ubuntu /etc/ssl/certs/ca-certificates.crt, RHEL/Fedora
 * /etc/pki/tls/certs/ca-bundle.crt, Alpine /etc/ssl/cert.pem, ...), not through the
 * build machine's OPENSSLDIR.
 */
import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { KafkaProducer, type LogEntry } from '../lib/index';

describe('TLS', () => {
  it('finds the system CA bundle by probing its usual locations', async () => {
    const logs: LogEntry[] = [];
    const producer = new KafkaProducer({ 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SSL', debug: 'security' });
    producer.on('log', (l) => logs.push(l));
    await new Promise((r) => setTimeout(r, 300));
    await producer.close({ timeoutMs: 0 });
    const probe = logs.map((l) => /Setting default CA certificate location for \S+ to "([^"]+)"/.exec(l.message)?.[1]).find(Boolean);
    expect(probe).toBeDefined();
    expect(existsSync(probe!)).toBe(true);
  });

  it('an explicit CA location that does not exist is a clear error at creation', () => {
    expect(
      () => new KafkaProducer({ 'bootstrap.servers': '127.0.0.1:1', 'security.protocol': 'SSL', 'ssl.ca.location': '/nonexistent/ca.pem' }),
    ).toThrow(/ssl\.ca\.location|CA/i);
  });
});
