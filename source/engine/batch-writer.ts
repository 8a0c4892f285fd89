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
import {featureOf, hasOfflineStore, type FeatureGroup, type FsRecord, type TargetStore} from '../core/types.js';
import {eventTimeMillis} from '../core/values.js';
import type {Store} from '../stores/store.js';
import type {SharedConcurrency, SharedRate} from './concurrency.js';
import type {WriteRate} from '../core/cost.js';
import type {ProgressBoard} from './progress.js';
import type {CopiedTally, FailedLine, WireRow} from './protocol.js';
import {OrderedCalls} from './ordered-calls.js';
import {retryCall, writeChunk, type WriteHooks} from './write.js';
import {crashPoint} from '../io/crash-points.js';

export interface BatchWriterContext {
	store: Store;
	/** This worker's index: its partition and its row of the board. */
	worker: number;
	board: ProgressBoard;
	concurrency: SharedConcurrency;
	/** --max-write-rate, shared by the workers. */
	rate?: {shared: SharedRate; unit: WriteRate['unit']};
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
/** Where rows whose history went server-side (WireRow.copied) go. */
const onlineOnly: TargetStore[] = ['OnlineStore'];

/** The stores a row goes to: all the group has, but for history (offline) and rows whose history was copied (online). */
const storesOf = (row: WireRow) => (row.copied ? onlineOnly : row.history ? offlineOnly : undefined);

/** Counts of one batch, as `write` returns them. */
interface Tally {
	written: number;
	failed: number;
	deletes: number;
}

/** A record to put or a delete marker to replay, from the row at `position` of the partition. */
interface Write {
	kind: 'put' | 'delete';
	record: FsRecord;
	row: WireRow;
	position: number;
	/** The record's event time in milliseconds (undefined: unreadable, ordered like a tie). */
	time: number | undefined;
	tally: Tally;
}

/** Calls of one writer in flight at once, within the shared concurrency. */
const callsInFlight = 4;

export class BatchWriter {
	/** Source records as the target's (cast, then checked as PutRecord checks them). */
	readonly toTarget;
	/**
	 * Rows a worker may hand over before the batches it handed earlier are
	 * done: a store that takes several calls at once keeps this many rows in
	 * play (see OrderedCalls); one that takes a call at a time, none.
	 */
	readonly ahead: number;
	private readonly hooks: WriteHooks;
	private readonly offline: boolean;
	private readonly timeOf: (record: FsRecord) => number | undefined;
	private readonly calls: OrderedCalls<Write> | undefined;

	constructor(private readonly context: BatchWriterContext) {
		this.toTarget = makeTargetRecords(context.compatibility, context.target);
		this.offline = hasOfflineStore(context.target);
		const {board, worker, store, target} = context;
		this.hooks = {
			onRetry(_attempt: number, _reason: string, delay: number) {
				board.add(worker, 'retries', 1);
				board.setState(worker, 'backing off');
				setTimeout(() => board.setState(worker, 'retrying'), Math.min(delay, 1000)).unref();
			},
		};
		const eventTime = featureOf(target, target.EventTimeFeatureName);
		this.timeOf = record => {
			const value = record[target.EventTimeFeatureName];
			return eventTime && typeof value === 'string' ? eventTimeMillis(eventTime.FeatureType, value) : undefined;
		};
		const limit = store.limits.batchWrite;
		this.ahead = store.limits.concurrentWrites ? limit * callsInFlight * 2 : 0;
		// The service keeps no checkpoint with the records: calls go out together
		// (the shared concurrency bounds them), each batch's position is saved
		// when all of its rows are done.
		this.calls = store.limits.concurrentWrites
			? new OrderedCalls<Write>({
				limit,
				calls: callsInFlight,
				idOf: write => write.record[target.RecordIdentifierFeatureName],
				alone: write => write.kind === 'delete',
				// A history row never reaches the online store; two puts of different
				// event times leave the later online whichever is written first.
				commutes: (earlier, later) => earlier.row.history === true || later.row.history === true
					|| (earlier.time !== undefined && later.time !== undefined && earlier.time !== later.time),
				send: async writes => (writes[0]!.kind === 'delete' ? this.sendDelete(writes[0]!) : this.sendPuts(writes)),
			})
			: undefined;
	}

	/**
	 * Write one batch whose first row is at `start` of the partition; returns
	 * how many records and deletes were written. Into a store that takes
	 * several calls at once, the next batches may be handed over before this
	 * one is done (up to `ahead` rows): an identifier's rows are still written
	 * as one call after another would write them.
	 */
	async write(rows: WireRow[], start: number): Promise<Tally & {copied?: CopiedTally}> {
		const {board, worker} = this.context;
		const all: Tally = {written: 0, failed: 0, deletes: 0};
		// Rows whose history was copied server-side are counted apart (online writes).
		const copied: Tally = {written: 0, failed: 0, deletes: 0};
		let copiedRows = 0;
		const writes: Write[] = [];
		for (const [offset, row] of rows.entries()) {
			const position = start + offset;
			const tally = row.copied ? copied : all;
			if (row.copied) copiedRows++;
			const result = this.toTarget(row.record);
			if (!result.ok) {
				this.fail(row, position, result.code, result.reason);
				tally.failed++;
				continue;
			}

			if (row.history && !this.offline) {
				// History has nowhere to go without an offline store: done, as a bulk load does it.
				tally.written++;
				board.add(worker, 'records', 1);
				continue;
			}

			writes.push({kind: row.deleted ? 'delete' : 'put', record: result.record, row, position, time: this.timeOf(result.record), tally});
		}

		if (this.calls) await this.calls.add(writes);
		else await this.inTurn(writes, start + rows.length);
		board.add(worker, 'batches', 1);
		const sum = (key: keyof Tally) => all[key] + copied[key];
		return {
			written: sum('written') + sum('deletes'), failed: sum('failed'), deletes: sum('deletes'),
			...(copiedRows > 0 ? {copied: {rows: copiedRows, written: copied.written + copied.deletes, failed: copied.failed, deletes: copied.deletes}} : {}),
		};
	}

	/**
	 * One call after another, each saving the partition's position with its
	 * records (the embedded store's transaction); `end` is the position after
	 * the batch.
	 */
	private async inTurn(writes: Write[], end: number) {
		const key = this.context.checkpointKey;
		const limit = this.context.store.limits.batchWrite;
		let puts: Write[] = [];
		const flush = async (through: number) => {
			for (let offset = 0; offset < puts.length; offset += limit) {
				const chunk = puts.slice(offset, offset + limit);
				const last = offset + limit >= puts.length;
				await this.sendPuts(chunk, {key, position: last ? through : chunk.at(-1)!.position + 1});
			}

			puts = [];
		};

		for (const write of writes) {
			if (write.kind === 'delete') {
				// Everything before the delete is written first: order per identifier.
				await flush(write.position);
				await this.sendDelete(write, {key, position: write.position + 1});
			} else {
				puts.push(write);
			}
		}

		await flush(end);
	}

	/** One BatchWriteRecord call's worth of puts, retried; failures go to the failed-records file. */
	private async sendPuts(chunk: Write[], checkpoint?: {key: string; position: number}) {
		const {store, board, worker, concurrency, rate, target} = this.context;
		board.setState(worker, 'writing');
		const stores = chunk.map(item => storesOf(item.row));
		// Each failed line is written as soon as it is final, before the checkpoint moves past it.
		const failures = await writeChunk(store, target.FeatureGroupName, chunk.map(item => item.record), {
			hooks: this.hooks, checkpoint, concurrency, stores, ...(rate ? {rate} : {}),
			onFailed: failed => {
				for (const failure of failed) this.fail(chunk[failure.index]!.row, chunk[failure.index]!.position, failure.errorCode, failure.errorMessage);
			},
		});
		crashPoint('batch-written');
		const failed = new Set<number>();
		for (const failure of failures) {
			chunk[failure.index]!.tally.failed++;
			failed.add(failure.index);
		}

		for (const [index, write] of chunk.entries()) if (!failed.has(index)) write.tally.written++;
		board.add(worker, 'records', chunk.length - failures.length);
		board.add(worker, 'bytes', chunk.reduce((sum, item) => sum + item.row.bytes, 0));
	}

	/** A delete marker, replayed; a refusal goes to the failed-records file. */
	private async sendDelete(write: Write, checkpoint?: {key: string; position: number}) {
		const {board, worker} = this.context;
		board.setState(worker, 'writing');
		try {
			await this.delete(write.record, checkpoint, write.row);
			write.tally.deletes++;
			board.add(worker, 'deletes', 1);
			board.add(worker, 'records', 1);
		} catch (error) {
			this.fail(write.row, write.position, (error as {code?: string}).code ?? (error as Error).name, (error as Error).message);
			write.tally.failed++;
		}
	}

	/** A delete marker as a SoftDelete at its event time (history: its offline marker only), retried like writes. */
	private async delete(record: FsRecord, checkpoint: {key: string; position: number} | undefined, row: WireRow) {
		const {store, target, concurrency, rate} = this.context;
		const id = record[target.RecordIdentifierFeatureName] as string;
		const eventTime = record[target.EventTimeFeatureName] as string;
		const stores = storesOf(row);
		const input = {FeatureGroupName: target.FeatureGroupName, RecordIdentifier: id, EventTime: eventTime, DeletionMode: 'SoftDelete' as const, ...(stores ? {TargetStores: stores} : {})};
		await retryCall(async () => store.deleteRecord(input, checkpoint ? {checkpoint} : undefined), {hooks: this.hooks, concurrency, ...(rate ? {rate} : {})});
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
