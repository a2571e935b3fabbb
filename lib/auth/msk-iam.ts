/**
 * AWS MSK IAM authentication: SASL/OAUTHBEARER whose token is a SigV4 query-string presign
 * of `GET https://kafka.<region>.amazonaws.com/?Action=kafka-cluster%3AConnect`, base64url
 * encoded — the scheme of AWS's aws-msk-iam-sasl-signer libraries, which this reproduces
 * byte for byte. Signing uses AWS's @smithy/signature-v4 (loaded only when MSK IAM is used)
 * rather than hand-rolled crypto.
 */
import { ConfigError, KafkaError } from '../util/errors';
import { importOptionalPeer } from '../util/optional-peer';
import {
  AUTHENTICATION,
  createAwsCredentialsResolver,
  type AwsCredentialSource,
  type ResolvedAwsCredentials,
} from './aws-credentials';

/** Token lifetime (and `X-Amz-Expires`), as AWS's signers use. */
export const MSK_IAM_TOKEN_LIFETIME_SECONDS = 900;

/** The unsigned `User-Agent` parameter appended to the token unless one is given. */
export const DEFAULT_MSK_IAM_USER_AGENT = 'octokafka';

/** Options for {@link createMskIamTokenProvider}. */
export interface MskIamOptions extends AwsCredentialSource {
  /**
   * The `User-Agent` parameter of the token; MSK records it and IAM policies can match it
   * (`aws:UserAgent`). Default `octokafka/<version>`.
   */
  userAgent?: string;
  /** Clock for the signing time, in ms since the epoch; for tests. Default `Date.now`. */
  now?: () => number;
}

/** An MSK IAM token, shaped for the OAUTHBEARER token refresher. */
export interface MskIamToken {
  /** The base64url (unpadded) presigned URL. */
  token: string;
  /** Milliseconds from `now` until the token expires. */
  lifetimeMs: number;
  /** Expiry in ms since the epoch: the signing second plus the token's lifetime. */
  expiresAtMs: number;
  /** The AWS access key id (brokers take the identity from the signature; librdkafka needs a name). */
  principal: string;
}

const SERVICE = 'kafka-cluster';
const ACTION = 'kafka-cluster:Connect';

// AWS region names: "us-east-1", "us-gov-west-1", "eusc-de-east-1"; checked because the
// region becomes part of a host name.
const REGION = /^[a-z]{2,}(-[a-z]+)+-\d+$/;

function checkRegion(region: unknown, property: string): asserts region is string {
  if (typeof region !== 'string' || !REGION.test(region)) {
    throw new ConfigError(property, 'must be an AWS region name such as "us-east-1"');
  }
}

/** RFC 3986 escaping, as AWS formats presigned URLs (encodeURIComponent plus !'()*). */
function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Loads AWS's signer and SHA-256 once per process; a missing package is a ConfigError naming it. */
let signingModules:
  | Promise<[typeof import('@smithy/signature-v4'), typeof import('@aws-crypto/sha256-js')]>
  | undefined;
function loadSigningModules(): NonNullable<typeof signingModules> {
  signingModules ??= Promise.all([
    importOptionalPeer('@smithy/signature-v4', 'aws_msk_iam', () => import('@smithy/signature-v4')),
    importOptionalPeer('@aws-crypto/sha256-js', 'aws_msk_iam', () => import('@aws-crypto/sha256-js')),
  ]).catch((error: unknown) => {
    // Let a later call see a package installed in the meantime.
    signingModules = undefined;
    throw error;
  });
  return signingModules;
}

/** Signs one token for `credentials` at `nowMs`. */
async function signToken(
  region: string,
  credentials: ResolvedAwsCredentials,
  nowMs: number,
  userAgent: string,
): Promise<MskIamToken> {
  // Like AWS's signer: a token must not outlive the credentials that signed it.
  let ttl = MSK_IAM_TOKEN_LIFETIME_SECONDS;
  if (credentials.expiration) {
    ttl = Math.min(ttl, Math.floor((credentials.expiration.getTime() - nowMs) / 1000));
    if (ttl < 1) {
      throw new KafkaError({
        message: `AWS credentials for MSK IAM expired at ${credentials.expiration.toISOString()}`,
        ...AUTHENTICATION,
        retriable: true,
      });
    }
  }
  const [{ SignatureV4 }, { Sha256 }] = await loadSigningModules();
  const hostname = `kafka.${region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: SERVICE,
    region,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      ...(credentials.sessionToken ? { sessionToken: credentials.sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.presign(
    { method: 'GET', protocol: 'https:', hostname, path: '/', headers: { host: hostname }, query: { Action: ACTION } },
    { signingDate: new Date(nowMs), expiresIn: ttl },
  );
  // Appended after signing: MSK reads it but it is not part of the signature.
  const query: Record<string, string> = { ...(signed.query as Record<string, string>), 'User-Agent': userAgent };
  // Sorted keys, RFC 3986 escaping: the URL AWS's signer formats, so tokens are identical.
  const queryString = Object.keys(query)
    .sort()
    .map((key) => `${escapeUri(key)}=${escapeUri(query[key] ?? '')}`)
    .join('&');
  const url = `https://${hostname}/?${queryString}`;
  // X-Amz-Date has whole seconds; the token's validity is counted from there.
  const expiresAtMs = Math.floor(nowMs / 1000) * 1000 + ttl * 1000;
  return {
    token: Buffer.from(url, 'utf8').toString('base64url'),
    lifetimeMs: expiresAtMs - nowMs,
    expiresAtMs,
    principal: credentials.accessKeyId,
  };
}

/**
 * Returns a function producing a fresh MSK IAM token on each call, for use as an OAUTHBEARER
 * token provider. Credentials come from `credentials` (static or a function), `profile`,
 * `roleArn` (assumed through STS), or AWS's default chain (environment, shared files, SSO,
 * web identity/IRSA, ECS, instance metadata). Configuration mistakes throw
 * {@link ConfigError} here; missing AWS packages and missing credentials reject each call.
 */
export function createMskIamTokenProvider(options: MskIamOptions): () => Promise<MskIamToken> {
  if (options === null || typeof options !== 'object') throw new ConfigError('aws_msk_iam', 'expected { region, ... }');
  checkRegion(options.region, 'aws_msk_iam.region');
  const userAgent = options.userAgent ?? DEFAULT_MSK_IAM_USER_AGENT;
  if (typeof userAgent !== 'string' || userAgent.length === 0) {
    throw new ConfigError('aws_msk_iam.userAgent', 'must be a non-empty string');
  }
  const now = options.now ?? Date.now;
  const resolveCredentials = createAwsCredentialsResolver(options);
  return async () => {
    const credentials = await resolveCredentials();
    return signToken(options.region, credentials, now(), userAgent);
  };
}

/** The librdkafka properties MSK IAM implies. */
export interface MskIamProperties {
  /** MSK IAM runs over TLS. */
  'security.protocol': 'SASL_SSL';
  /** The signed token is an OAUTHBEARER token. */
  'sasl.mechanisms': 'OAUTHBEARER';
}

/**
 * The librdkafka properties MSK IAM needs (`security.protocol=SASL_SSL`,
 * `sasl.mechanisms=OAUTHBEARER`). Throws a {@link ConfigError} when `region` is not a region
 * or `userConfig` says otherwise (another protocol or mechanism, librdkafka's own OIDC or
 * unsecured-JWT token sources, or SASL username/password, which MSK IAM never uses).
 */
export function mskIamConfig(region: string, userConfig: Readonly<Record<string, unknown>> = {}): MskIamProperties {
  checkRegion(region, 'aws_msk_iam.region');
  const value = (name: string): string | undefined => {
    const v = userConfig[name];
    return v === undefined || v === null ? undefined : String(v).trim();
  };
  const expect = (name: string, wanted: string): void => {
    const v = value(name);
    if (v !== undefined && v.toUpperCase() !== wanted) {
      throw new ConfigError(name, `MSK IAM requires ${wanted}, but the configuration sets ${JSON.stringify(v)}`);
    }
  };
  expect('security.protocol', 'SASL_SSL');
  expect('sasl.mechanisms', 'OAUTHBEARER');
  expect('sasl.mechanism', 'OAUTHBEARER');
  const method = value('sasl.oauthbearer.method');
  if (method !== undefined && method.toLowerCase() !== 'default') {
    throw new ConfigError('sasl.oauthbearer.method', 'MSK IAM supplies its own tokens; leave it unset or "default"');
  }
  const unsecure = value('enable.sasl.oauthbearer.unsecure.jwt');
  if (unsecure !== undefined && unsecure.toLowerCase() === 'true') {
    throw new ConfigError('enable.sasl.oauthbearer.unsecure.jwt', 'cannot be combined with MSK IAM tokens');
  }
  for (const name of ['sasl.username', 'sasl.password']) {
    if (value(name) !== undefined) throw new ConfigError(name, 'is not used by MSK IAM (authentication is by AWS credentials)');
  }
  return { 'security.protocol': 'SASL_SSL', 'sasl.mechanisms': 'OAUTHBEARER' };
}

/** Checks, without signing, that the packages MSK IAM signs with are installed. */
export async function assertMskIamAvailable(): Promise<void> {
  await loadSigningModules();
}
