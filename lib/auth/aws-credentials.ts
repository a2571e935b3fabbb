/**
 * AWS credentials for MSK IAM: explicit credentials, a provider function, a named profile,
 * an assumed role, or AWS's default chain. AWS's own packages do the discovery; they are
 * optional peer dependencies, loaded only when MSK IAM is configured.
 */
import { ConfigError, KafkaError } from '../util/errors';
import { redactText, reveal, type Secret } from '../config/secrets';
import { importOptionalPeer } from '../util/optional-peer';

/** AWS credentials, as given by the application or by AWS's credential providers. */
export interface AwsCredentials {
  /** The AWS access key id. */
  accessKeyId: string;
  /** The secret access key (a {@link Secret} keeps it out of logs and inspection). */
  secretAccessKey: string | Secret<string>;
  /** Present for temporary credentials (STS, SSO, IRSA, instance roles). */
  sessionToken?: string | Secret<string>;
  /** When temporary credentials stop working. */
  expiration?: Date;
}

/** A function returning (possibly refreshed) credentials on each call. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/** Where MSK IAM credentials come from; without `credentials` or `profile`, AWS's default chain. */
export interface AwsCredentialSource {
  /** AWS region of the cluster; also the STS region when assuming a role. */
  region: string;
  /** Explicit credentials or a function producing them. */
  credentials?: AwsCredentials | AwsCredentialsProvider;
  /** A profile from the shared AWS config/credentials files. */
  profile?: string;
  /** A role to assume (through STS) using the credentials found above. */
  roleArn?: string;
  /** Session name for the assumed role. */
  roleSessionName?: string;
}

/** Credentials with the secrets unwrapped, ready for signing. */
export interface ResolvedAwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** librdkafka's RD_KAFKA_RESP_ERR__AUTHENTICATION (internal): credential problems are authentication failures. */
export const AUTHENTICATION = { code: -169, name: '_AUTHENTICATION' } as const;

/** Temporary credentials are reused until this close to their expiry (one STS call per hour, not per token). */
const REUSE_MARGIN_MS = 5 * 60_000;

/** Loads AWS's credential providers. */
function loadCredentialProviders(): Promise<typeof import('@aws-sdk/credential-providers')> {
  return importOptionalPeer('@aws-sdk/credential-providers', 'aws_msk_iam', () => import('@aws-sdk/credential-providers'));
}

/** Checks application-given credentials (a typo here should fail at configuration time). */
function checkCredentials(c: AwsCredentials, property: string): void {
  if (c === null || typeof c !== 'object') throw new ConfigError(property, 'expected { accessKeyId, secretAccessKey, sessionToken? }');
  if (typeof c.accessKeyId !== 'string' || c.accessKeyId.length === 0) {
    throw new ConfigError(`${property}.accessKeyId`, 'must be a non-empty string');
  }
  const secret: unknown = reveal(c.secretAccessKey);
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new ConfigError(`${property}.secretAccessKey`, 'must be a non-empty string');
  }
  const token: unknown = c.sessionToken === undefined ? undefined : reveal(c.sessionToken);
  if (token !== undefined && typeof token !== 'string') throw new ConfigError(`${property}.sessionToken`, 'must be a string');
}

function unwrap(c: AwsCredentials): ResolvedAwsCredentials {
  const sessionToken = c.sessionToken === undefined ? undefined : reveal(c.sessionToken);
  return {
    accessKeyId: c.accessKeyId,
    secretAccessKey: reveal(c.secretAccessKey),
    ...(sessionToken ? { sessionToken } : {}),
    ...(c.expiration ? { expiration: c.expiration } : {}),
  };
}

/** Human-readable list of the credential sources a configuration tries, for error messages. */
export function describeCredentialSources(source: Omit<AwsCredentialSource, 'region'>, env: NodeJS.ProcessEnv = process.env): string {
  const files = `${env.AWS_CONFIG_FILE ?? '~/.aws/config'}, ${env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'}`;
  let base: string;
  if (typeof source.credentials === 'function') base = 'the `credentials` provider function';
  else if (source.credentials) base = 'the explicit `credentials`';
  else if (source.profile !== undefined) base = `profile "${source.profile}" in the shared AWS files (${files})`;
  else {
    base =
      'the default AWS chain: environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), ' +
      `shared config and credentials files (${files}, profile "${env.AWS_PROFILE ?? 'default'}"), SSO, ` +
      'web identity (AWS_WEB_IDENTITY_TOKEN_FILE), credential_process, ECS container credentials, ' +
      'EC2 instance metadata';
  }
  return source.roleArn ? `${base}, then assuming role ${source.roleArn} through STS` : base;
}

/**
 * A function returning credentials for `source`, unwrapped for signing. Builds the AWS
 * provider lazily on first use; reuses temporary credentials until 5 minutes before they
 * expire; wraps every failure in a {@link KafkaError} that lists the sources tried.
 */
export function createAwsCredentialsResolver(source: AwsCredentialSource): () => Promise<ResolvedAwsCredentials> {
  const { credentials, profile, roleArn } = source;
  if (credentials !== undefined && typeof credentials !== 'function') checkCredentials(credentials, 'aws_msk_iam.credentials');
  if (profile !== undefined && (typeof profile !== 'string' || profile.length === 0)) {
    throw new ConfigError('aws_msk_iam.profile', 'must be a non-empty string');
  }
  if (credentials !== undefined && profile !== undefined) {
    throw new ConfigError('aws_msk_iam', 'give either `credentials` or `profile`, not both');
  }
  if (roleArn !== undefined && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) {
    throw new ConfigError('aws_msk_iam.roleArn', 'must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
  }

  let provider: (() => Promise<AwsCredentials>) | undefined;
  let cached: ResolvedAwsCredentials | undefined;

  const build = async (): Promise<() => Promise<AwsCredentials>> => {
    // Static credentials without a role need nothing from AWS's packages.
    if (credentials !== undefined && typeof credentials !== 'function' && !roleArn) return async () => credentials;
    if (typeof credentials === 'function' && !roleArn) return credentials;
    const aws = await loadCredentialProviders();
    const clientConfig = { region: source.region };
    let base: () => Promise<AwsCredentials>;
    if (credentials !== undefined) base = typeof credentials === 'function' ? credentials : async () => credentials;
    else if (profile !== undefined) base = aws.fromIni({ profile, clientConfig });
    else if (roleArn) return fromRole(aws, undefined);
    else return aws.fromNodeProviderChain({ clientConfig });
    return roleArn ? fromRole(aws, base) : base;

    function fromRole(sdk: typeof aws, master: (() => Promise<AwsCredentials>) | undefined): () => Promise<AwsCredentials> {
      return sdk.fromTemporaryCredentials({
        params: { RoleArn: roleArn as string, RoleSessionName: source.roleSessionName ?? 'octokafka-msk-iam' },
        clientConfig,
        // The SDK expects plain strings; unwrap our Secret-wrapped fields for it.
        ...(master ? { masterCredentials: async () => unwrap(await master()) } : {}),
      });
    }
  };

  return async () => {
    if (cached?.expiration && cached.expiration.getTime() - Date.now() > REUSE_MARGIN_MS) return cached;
    let resolved: ResolvedAwsCredentials;
    try {
      provider ??= await build();
      const c = await provider();
      if (!c || typeof c.accessKeyId !== 'string' || !c.accessKeyId || !reveal(c.secretAccessKey)) {
        throw new Error('the credentials returned have no accessKeyId or secretAccessKey');
      }
      resolved = unwrap(c);
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      const known = credentials && typeof credentials !== 'function' ? [credentials.secretAccessKey, credentials.sessionToken] : [];
      const why = redactText(error instanceof Error ? error.message : String(error), known.map((s) => (s === undefined ? undefined : reveal(s))));
      throw new KafkaError({
        message: `no AWS credentials for MSK IAM: tried ${describeCredentialSources(source)}: ${why}`,
        ...AUTHENTICATION,
        retriable: true,
        cause: error,
      });
    }
    cached = resolved.expiration ? resolved : undefined;
    return resolved;
  };
}
