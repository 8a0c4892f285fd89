/**
 * Writing records through the store port with BatchWriteRecord's rules:
 * at most `limits.batchWrite` entries a call, unprocessed entries sent again,
 * throttling and server errors retried with exponential backoff and full
 * jitter. What still fails is returned, never dropped.
 */
import type {FsRecord} from '../core/types.js';
import type {Store, WriteEntry} from '../stores/store.js';

export interface FailedWrite {
	/** Index in the records given. */
	index: number;
	errorCode: string;
	errorMessage: string;
}

export interface RetryPolicy {
	attempts: number;
	baseMs: number;
	capMs: number;
}

export const defaultRetry: RetryPolicy = {attempts: 8, baseMs: 100, capMs: 5000};

const retryableCodes = new Set([
	'ThrottlingException', 'Throttling', 'TooManyRequestsException', 'ServiceUnavailable', 'InternalFailure', 'InternalServerError',
	'RequestTimeout', 'RequestTimeoutException', 'SlowDown', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE',
]);

/** Whether an error thrown by a store is worth another try. */
export function isRetryable(error: unknown): boolean {
	const {name, code, $metadata} = error as {name?: string; code?: string; $metadata?: {httpStatusCode?: number}};
	if (retryableCodes.has(name ?? '') || retryableCodes.has(code ?? '')) return true;
	const status = $metadata?.httpStatusCode;
	return status !== undefined && (status === 429 || status >= 500);
}

export const backoffMs = (attempt: number, policy: RetryPolicy = defaultRetry) =>
	Math.random() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt);

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

export interface WriteHooks {
	/** Called before each retry: the attempt number and why. */
	onRetry?(attempt: number, reason: string, delayMs: number): void;
}

/**
 * Put records into one feature group. Returns the records that failed, with
 * the service's error code and message.
 */
export async function putRecords(store: Store, featureGroupName: string, records: FsRecord[], hooks: WriteHooks = {}, policy = defaultRetry): Promise<FailedWrite[]> {
	const failed: FailedWrite[] = [];
	const limit = store.limits.batchWrite;
	for (let start = 0; start < records.length; start += limit) {
		let pending = records.slice(start, start + limit).map((record, offset) => ({index: start + offset, record}));
		for (let attempt = 0; pending.length > 0; attempt++) {
			const entries: WriteEntry[] = pending.map(({record}) => ({FeatureGroupName: featureGroupName, Record: record}));
			let retry: typeof pending = [];
			let reason = '';
			try {
				const result = await store.batchWrite(entries);
				for (const error of result.errors) {
					const {index} = pending[error.index]!;
					if (retryableCodes.has(error.ErrorCode)) retry.push(pending[error.index]!);
					else failed.push({index, errorCode: error.ErrorCode, errorMessage: error.ErrorMessage});
				}

				retry.push(...result.unprocessed.map(position => pending[position]!));
				reason = `${retry.length} unprocessed`;
			} catch (error) {
				if (!isRetryable(error)) throw error;
				retry = pending;
				reason = (error as Error).name || (error as Error).message;
			}

			if (retry.length > 0 && attempt + 1 >= policy.attempts) {
				for (const {index} of retry) failed.push({index, errorCode: 'RetriesExhausted', errorMessage: `still failing after ${policy.attempts} attempts: ${reason}`});
				retry = [];
			}

			if (retry.length > 0) {
				const delay = backoffMs(attempt, policy);
				hooks.onRetry?.(attempt + 1, reason, delay);
				await sleep(delay);
			}

			pending = retry;
		}
	}

	return failed;
}
