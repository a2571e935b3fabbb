/** Authentication: OAUTHBEARER token refresh and AWS MSK IAM tokens. */
export {
  TokenRefresher,
  type OAuthBearerToken,
  type OAuthBearerTokenProvider,
  type StaticOAuthBearerToken,
  type TokenSink,
  type RefreshClock,
  type TokenRefresherOptions,
} from './oauthbearer';
export {
  createMskIamTokenProvider,
  mskIamConfig,
  assertMskIamAvailable,
  MSK_IAM_TOKEN_LIFETIME_SECONDS,
  DEFAULT_MSK_IAM_USER_AGENT,
  type MskIamOptions,
  type MskIamToken,
  type MskIamProperties,
} from './msk-iam';
export {
  type AwsCredentials,
  type AwsCredentialsProvider,
  type AwsCredentialSource,
} from './aws-credentials';
