/**
 * Writing records through the store port with BatchWriteRecord's rules:
 * at most `limits.batchWrite` entries a call, unprocessed entries sent again,
 * throttling and server errors retried with exponential backoff and full
 * jitter. What still fails is returned, never dropped.
 */
import type {FsRecord, TargetStore} from '../core/types.js';
import type {Store, WriteEntry, WriteError} from '../stores/store.js';
import {recordWriteUnits, type WriteRate} from '../core/cost.js';
import type {SharedConcurrency, SharedRate} from './concurrency.js';

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

/** Whether an entry's error code (BatchWriteRecord, BatchGetRecord) is worth another try. */
export const isRetryableCode = (code: string) => retryableCodes.has(code);

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
	/** Called before each retry: the attempt number, why, and the wait. */
	onRetry?(attempt: number, reason: string, delayMs: number): void;
}

export interface ChunkOptions {
	hooks?: WriteHooks;
	policy?: RetryPolicy;
	/** Saved with the call that completes the chunk (see WriteOptions). */
	checkpoint?: {key: string; position: number};
	concurrency?: SharedConcurrency;
	/** --max-write-rate: each call waits its turn (records, or write units when the rate counts those). */
	rate?: {shared: SharedRate; unit: WriteRate['unit']};
	/** Per record, the stores it goes to (TargetStores); default all the group has. */
	stores?: Array<TargetStore[] | undefined>;
	/**
	 * Failures as soon as they are final, each once: before the call that
	 * saves the checkpoint past them ends (WriteOptions.onRefused).
	 */
	onFailed?(failures: FailedWrite[]): void;
}

/**
 * Write one chunk (at most `limits.batchWrite` records) until every record is
 * written or has failed for good. Returns the failures, by index in `records`.
 */
export async function writeChunk(store: Store, featureGroupName: string, records: FsRecord[], options: ChunkOptions = {}): Promise<FailedWrite[]> {
	const policy = options.policy ?? defaultRetry;
	const failed: FailedWrite[] = [];
	const reported = new Set<number>();
	const fail = (failures: FailedWrite[]) => {
		const fresh = failures.filter(failure => !reported.has(failure.index));
		for (const failure of fresh) {
			reported.add(failure.index);
			failed.push(failure);
		}

		if (fresh.length > 0) options.onFailed?.(fresh);
	};

	let pending = records.map((record, index) => ({index, record}));
	for (let attempt = 0; pending.length > 0; attempt++) {
		const entries: WriteEntry[] = pending.map(({index, record}) => {
			const stores = options.stores?.[index];
			return stores ? {FeatureGroupName: featureGroupName, Record: record, TargetStores: stores} : {FeatureGroupName: featureGroupName, Record: record};
		});
		let retry: typeof pending = [];
		let reason = '';
		// Every attempt is written, and billed: a retry takes its turn again.
		if (options.rate) await options.rate.shared.take(options.rate.unit === 'records' ? entries.length : entries.reduce((sum, entry) => sum + recordWriteUnits(entry.Record), 0));
		const release = await options.concurrency?.acquire();
		try {
			const sent = pending;
			const final = (errors: WriteError[]) => errors.filter(error => !isRetryableCode(error.ErrorCode))
				.map(error => ({index: sent[error.index]!.index, errorCode: error.ErrorCode, errorMessage: error.ErrorMessage}));
			const result = await store.batchWrite(entries, options.checkpoint ? {checkpoint: options.checkpoint, onRefused: errors => fail(final(errors))} : undefined);
			for (const error of result.errors) {
				if (isRetryableCode(error.ErrorCode)) retry.push(pending[error.index]!);
			}

			fail(final(result.errors));
			retry.push(...result.unprocessed.map(position => pending[position]!));
			reason = `${retry.length} unprocessed`;
		} catch (error) {
			if (!isRetryable(error)) throw error;
			retry = pending;
			reason = (error as Error).name || (error as Error).message;
		} finally {
			release?.();
		}

		if (retry.length > 0) options.concurrency?.throttled();
		else options.concurrency?.succeeded();
		if (retry.length > 0 && attempt + 1 >= policy.attempts) {
			fail(retry.map(({index}) => ({index, errorCode: 'RetriesExhausted', errorMessage: `still failing after ${policy.attempts} attempts: ${reason}`})));
			retry = [];
		}

		if (retry.length > 0) {
			const delay = backoffMs(attempt, policy);
			options.hooks?.onRetry?.(attempt + 1, reason, delay);
			await sleep(delay);
		}

		pending = retry;
	}

	return failed;
}

/** One call (DeleteRecord, say) with the same retry policy and shared concurrency as writes. */
export async function retryCall<T>(call: () => Promise<T>, options: Omit<ChunkOptions, 'checkpoint'> = {}): Promise<T> {
	const policy = options.policy ?? defaultRetry;
	for (let attempt = 0; ; attempt++) {
		// One record (a delete is billed a write unit at least).
		await options.rate?.shared.take(1);
		const release = await options.concurrency?.acquire();
		try {
			const result = await call();
			options.concurrency?.succeeded();
			return result;
		} catch (error) {
			if (!isRetryable(error) || attempt + 1 >= policy.attempts) throw error;
			options.concurrency?.throttled();
			const delay = backoffMs(attempt, policy);
			options.hooks?.onRetry?.(attempt + 1, (error as Error).name, delay);
			await sleep(delay);
		} finally {
			release?.();
		}
	}
}

/** Put any number of records into one feature group, chunk by chunk. */
export async function putRecords(store: Store, featureGroupName: string, records: FsRecord[], hooks: WriteHooks = {}, policy = defaultRetry): Promise<FailedWrite[]> {
	const failed: FailedWrite[] = [];
	const limit = store.limits.batchWrite;
	for (let start = 0; start < records.length; start += limit) {
		const chunk = await writeChunk(store, featureGroupName, records.slice(start, start + limit), {hooks, policy});
		failed.push(...chunk.map(failure => ({...failure, index: failure.index + start})));
	}

	return failed;
}
