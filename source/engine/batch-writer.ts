/**
 * A worker's record-by-record writes: one batch of source rows, in order,
 * cast and checked for the target, records with BatchWriteRecord (calls of
 * the store's limit), delete markers as SoftDeletes at their event time.
 * Failed records go to the failed-records file before the write that moves
 * the checkpoint past them; progress goes to the shared board.
 */
import {appendFileSync} from 'node:fs';
import {makeTargetRecords} from '../core/cast.js';
import type {Compatibility} from '../core/compat.js';
import {hasOfflineStore, type FeatureGroup, type FsRecord, type TargetStore} from '../core/types.js';
import type {Store} from '../stores/store.js';
import type {SharedConcurrency} from './concurrency.js';
import type {ProgressBoard} from './progress.js';
import type {FailedLine, WireRow} from './protocol.js';
import {planWaves, retryCall, writeChunk, type WriteHooks} from './write.js';
import {crashPoint} from '../io/crash-points.js';

export interface BatchWriterContext {
	store: Store;
	/** This worker's index: its partition and its row of the board. */
	worker: number;
	board: ProgressBoard;
	concurrency: SharedConcurrency;
	target: FeatureGroup;
	compatibility: Compatibility;
	/** Checkpoint key of this worker's partition in the target store. */
	checkpointKey: string;
	/** The run's id, on each failed line (a resume drops the lines of rows it redoes). */
	runId: string;
	failedFile: string;
	sourceIdentifier: string;
	sourceEventTime: string;
}

/** Where history rows (WireRow.history) go. */
const offlineOnly: TargetStore[] = ['OfflineStore'];

interface Put {
	record: FsRecord;
	row: WireRow;
	position: number;
}

export class BatchWriter {
	/** Source records as the target's (cast, then checked as PutRecord checks them). */
	readonly toTarget;
	private readonly hooks: WriteHooks;
	private readonly offline: boolean;

	constructor(private readonly context: BatchWriterContext) {
		this.toTarget = makeTargetRecords(context.compatibility, context.target);
		this.offline = hasOfflineStore(context.target);
		const {board, worker} = context;
		this.hooks = {
			onRetry(_attempt: number, _reason: string, delay: number) {
				board.add(worker, 'retries', 1);
				board.setState(worker, 'backing off');
				setTimeout(() => board.setState(worker, 'retrying'), Math.min(delay, 1000)).unref();
			},
		};
	}

	/** Write one batch whose first row is at `start` of the partition; returns how many records and deletes were written. */
	async write(rows: WireRow[], start: number): Promise<{written: number; failed: number; deletes: number}> {
		const {store, board, worker, concurrency, checkpointKey: key} = this.context;
		const name = this.context.target.FeatureGroupName;
		const targetIdentifier = this.context.target.RecordIdentifierFeatureName;
		const limit = store.limits.batchWrite;
		let written = 0;
		let failed = 0;
		let deletes = 0;
		let puts: Put[] = [];
		const send = async (chunk: Put[], checkpoint?: {key: string; position: number}) => {
			board.setState(worker, 'writing');
			const stores = chunk.map(item => (item.row.history ? offlineOnly : undefined));
			// Each failed line is written as soon as it is final, before the checkpoint moves past it.
			const failures = await writeChunk(store, name, chunk.map(item => item.record), {
				hooks: this.hooks, checkpoint, concurrency, stores,
				onFailed: failed => {
					for (const failure of failed) this.fail(chunk[failure.index]!.row, chunk[failure.index]!.position, failure.errorCode, failure.errorMessage);
				},
			});
			crashPoint('batch-written');
			written += chunk.length - failures.length;
			failed += failures.length;
			board.add(worker, 'records', chunk.length - failures.length);
			board.add(worker, 'bytes', chunk.reduce((sum, item) => sum + item.row.bytes, 0));
		};

		const flush = async (through: number) => {
			if (store.limits.concurrentWrites) {
				// The service keeps no checkpoint with the records: a wave's calls go at once
				// (the shared concurrency bounds them), the batch's position is saved after.
				for (const wave of planWaves(puts, item => item.record[targetIdentifier], limit)) {
					// Every call of the wave ends (and counts) before a failure stops the batch.
					const settled = await Promise.allSettled(wave.map(async chunk => send(chunk)));
					const failure = settled.find(result => result.status === 'rejected');
					if (failure) throw failure.reason;
				}
			} else {
				for (let offset = 0; offset < puts.length; offset += limit) {
					const chunk = puts.slice(offset, offset + limit);
					const last = offset + limit >= puts.length;
					await send(chunk, {key, position: last ? through : chunk.at(-1)!.position + 1});
				}
			}

			puts = [];
		};

		for (const [offset, row] of rows.entries()) {
			const position = start + offset;
			const result = this.toTarget(row.record);
			if (!result.ok) {
				this.fail(row, position, result.code, result.reason);
				failed++;
				continue;
			}

			if (row.history && !this.offline) {
				// History has nowhere to go without an offline store: done, as a bulk load does it.
				written++;
				board.add(worker, 'records', 1);
				continue;
			}

			if (row.deleted) {
				// Everything before the delete is written first: order per identifier.
				await flush(position);
				board.setState(worker, 'writing');
				try {
					await this.delete(result.record, {key, position: position + 1}, row.history);
					deletes++;
					board.add(worker, 'deletes', 1);
					board.add(worker, 'records', 1);
				} catch (error) {
					this.fail(row, position, (error as {code?: string}).code ?? (error as Error).name, (error as Error).message);
					failed++;
				}

				continue;
			}

			puts.push({record: result.record, row, position});
		}

		await flush(start + rows.length);
		board.add(worker, 'batches', 1);
		return {written: written + deletes, failed, deletes};
	}

	/** A delete marker as a SoftDelete at its event time (history: its offline marker only), retried like writes. */
	private async delete(record: FsRecord, checkpoint: {key: string; position: number}, history = false) {
		const {store, target, concurrency} = this.context;
		const id = record[target.RecordIdentifierFeatureName] as string;
		const eventTime = record[target.EventTimeFeatureName] as string;
		const input = {FeatureGroupName: target.FeatureGroupName, RecordIdentifier: id, EventTime: eventTime, DeletionMode: 'SoftDelete' as const, ...(history ? {TargetStores: offlineOnly} : {})};
		await retryCall(async () => store.deleteRecord(input, {checkpoint}), {hooks: this.hooks, concurrency});
	}

	/** A failed record's line in the failed-records file, and the board's count. */
	private fail(row: WireRow, position: number, errorCode: string, errorMessage: string) {
		const {sourceIdentifier, sourceEventTime, worker, failedFile, board} = this.context;
		const line: FailedLine = {
			recordIdentifier: row.record[sourceIdentifier] as string | undefined,
			eventTime: row.record[sourceEventTime] as string | undefined,
			record: row.record,
			...(row.deleted ? {deleted: true} : {}),
			errorCode,
			errorMessage,
			run: this.context.runId,
			partition: worker,
			position,
		};
		try {
			appendFileSync(failedFile, `${JSON.stringify(line)}\n`);
		} catch (error) {
			// Node names no file for a failed append (a full disk, say): the user needs it.
			throw Object.assign(error as Error, {path: failedFile});
		}

		crashPoint('failed-line');

		board.add(worker, 'failed', 1);
	}
}
