/**
 * AWS errors → FsErrors with a remedy. Every service call goes through
 * `awsCall`, which knows the IAM action it needs, so an AccessDenied can say
 * which permission is missing. Retryable failures (throttling, 5xx, dropped
 * connections) keep the AWS code and the HTTP status: the engine's
 * `isRetryable` reads exactly those.
 */
import {FsError, usageError} from '../../core/errors.js';

/** An AWS failure as the tool reports it; `$metadata` kept for the engine's retry decision. */
export class AwsError extends FsError {
	override readonly name: string = 'AwsError';
	readonly $metadata?: {httpStatusCode?: number; requestId?: string};

	constructor(kind: 'usage' | 'runtime', message: string, remedy: string | undefined, code: string, metadata?: {httpStatusCode?: number; requestId?: string}) {
		super(kind, message, remedy, code);
		if (metadata) this.$metadata = metadata;
	}
}

export interface CallContext {
	/** The IAM action the call needs, e.g. `sagemaker:DescribeFeatureGroup`. */
	action: string;
	/** What it acted on, for messages: a feature group, a bucket, a query. */
	target?: string;
	region?: string;
	profile?: string;
}

interface SdkError {
	name?: string;
	code?: string;
	message?: string;
	Code?: string;
	$fault?: 'client' | 'server';
	$metadata?: {httpStatusCode?: number; requestId?: string};
}

const accessDenied = new Set(['AccessDenied', 'AccessDeniedException', 'AccessForbidden', 'Forbidden', 'UnauthorizedOperation', 'AllAccessDisabled']);
const badCredentials = new Set([
	'ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'InvalidClientTokenId', 'UnrecognizedClientException',
	'InvalidSignatureException', 'SignatureDoesNotMatch', 'InvalidAccessKeyId', 'TokenRefreshRequired', 'InvalidToken',
]);
const throttling = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'SlowDown', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException']);
const serverSide = new Set(['InternalFailure', 'InternalServerError', 'InternalError', 'InternalServerException', 'ServiceUnavailable', 'ServiceUnavailableException']);
const validation = new Set(['ValidationError', 'ValidationException', 'InvalidRequestException', 'InvalidParameterValue', 'InvalidArgument', 'SerializationException']);
const network = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

export const noRegionError = () => usageError(
	'No AWS region: pass --region or set AWS_REGION.',
	'Or set `region` in the profile (aws configure --profile NAME).',
	'NoRegion',
);

/** The FsError for a failed AWS call. */
export function awsError(error: unknown, call: CallContext): FsError {
	if (error instanceof FsError) return error;
	const sdk = (error ?? {}) as SdkError;
	const code = sdk.name && sdk.name !== 'Error' ? sdk.name : (sdk.code ?? sdk.Code ?? 'Error');
	const message = (sdk.message ?? String(error)).trim();
	const status = sdk.$metadata?.httpStatusCode;
	const make = (kind: 'usage' | 'runtime', text: string, remedy: string | undefined, errorCode = code) =>
		new AwsError(kind, text, remedy, errorCode, sdk.$metadata);
	const where = call.target ? ` on ${call.target}` : '';

	if (code === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
		return make(
			'usage',
			`No AWS credentials found${call.profile ? ` for profile ${call.profile}` : ''}.`,
			'Pass --profile NAME (or set AWS_PROFILE), run `aws configure` / `aws sso login`, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.',
			'NoCredentials',
		);
	}

	if (/Region is missing/i.test(message)) return noRegionError();

	if (badCredentials.has(code)) {
		return make('usage', `AWS refused the credentials (${code}): ${message}`, `Refresh them (\`aws sso login${call.profile ? ` --profile ${call.profile}` : ''}\`, or new access keys) and run this again.`);
	}

	// A usage error (exit 2): what is missing is a permission the user grants, not a fault to retry.
	if (accessDenied.has(code) || (status === 403 && !throttling.has(code))) {
		return make(
			'usage',
			`Access denied: ${call.action} is not allowed${where} for these credentials${call.region ? ` in ${call.region}` : ''}.`,
			`Grant ${call.action} to the role or user (docs/aws.md lists what each command needs), or use another --profile.`,
			'AccessDenied',
		);
	}

	if (throttling.has(code) || status === 429) {
		return make('runtime', `AWS throttled ${call.action}${where} (${code}).`, 'Lower --max-workers, or ask AWS for a higher quota.', code === 'Error' ? 'ThrottlingException' : code);
	}

	if (serverSide.has(code) || (status !== undefined && status >= 500) || sdk.$fault === 'server') {
		return make('runtime', `AWS failed ${call.action}${where}: ${code}: ${message}`, 'This is usually temporary: run it again (a migration can be resumed with --resume).');
	}

	if (network.has(code) || network.has(sdk.code ?? '')) {
		return make('runtime', `Cannot reach AWS for ${call.action}${where}: ${message || code}.`, 'Check the network, the region and any AWS_ENDPOINT_URL setting.', sdk.code ?? code);
	}

	if (code === 'ResourceNotFound' || code === 'ResourceNotFoundException' || code === 'NoSuchKey' || code === 'NoSuchBucket') {
		return make('usage', `${call.target ?? 'The resource'} does not exist${call.region ? ` in ${call.region}` : ''} (${code}): ${message}`, 'Check the name and the region (`fs list`).', 'ResourceNotFound');
	}

	if (code === 'ResourceInUse') {
		return make('usage', `${call.target ?? 'The resource'} already exists: ${message}`, 'Pick another name, or use the existing group (`fs schema NAME`).');
	}

	if (validation.has(code)) return make('usage', message || code, undefined);
	if (code === 'ResourceLimitExceeded' || code === 'LimitExceededException') {
		return make('runtime', `An AWS limit was reached by ${call.action}${where}: ${message}`, 'Delete unused resources or ask AWS for a higher quota.');
	}

	return make('runtime', `${call.action}${where} failed: ${code}: ${message}`, undefined);
}

/** Run one AWS call; failures come back as FsErrors naming the call. */
export async function awsCall<T>(call: CallContext, run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (error) {
		throw awsError(error, call);
	}
}
