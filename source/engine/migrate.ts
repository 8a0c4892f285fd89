/**
 * The migration engine, free of any UI: takes a plan, snapshots the source,
 * streams it to worker threads partitioned by record identifier, keeps a
 * checkpoint, and accounts for every row read (written + failed + skipped).
 * Views read `board` (shared counters) and `totals` whenever they like.
 */
import {EventEmitter} from 'node:events';
import {hostname} from 'node:os';
import type {Compatibility} from '../core/compat.js';
import {makeTargetRecords} from '../core/cast.js';
import {FsError} from '../core/errors.js';
import type {Plan} from '../core/plan.js';
import {hasOfflineStore} from '../core/types.js';
import {duckdbMemory} from '../io/duckdb.js';
import {checkpointPastEnd, removeRun, saveCheckpoint, type Checkpoint} from './checkpoint.js';
import {trimFailedFile} from './failed-file.js';
import {acquireLock} from './lock.js';
import {clearOffline, clearOnline} from './clear.js';
import {SharedConcurrency} from './concurrency.js';
import {startWorkers, stopWorkers} from './threads.js';
import {verifyTarget} from './verify.js';
import {partitionOf} from './partition.js';
import {ProgressBoard} from './progress.js';
import {Samples} from './samples.js';
import type {ToMain, ToWorker, WireRow} from './protocol.js';
import {readSnapshotRows, takeSnapshot, type SnapshotRequest} from './source.js';
import type {MigrationResult, Side, Totals} from './types.js';
import type {WorkerInput} from './worker.js';

export type {MigrationResult, Side, Totals, Verification} from './types.js';

export interface MigrationInput {
	source: Side;
	target: Side;
	plan: Plan;
	runDir: string;
	checkpoint: Checkpoint;
	/** A checkpoint from an interrupted run: continue it. */
	resuming: boolean;
	request: SnapshotRequest;
	/** The target's lock file (lock.ts): held while the run writes. */
	lockFile: string;
	/** Unfinished runs of the same rows this run starts over: removed once the lock is held. */
	superseded: string[];
}

/**
 * Write calls to an embedded target carry up to this many records: its
 * BatchWriteRecord limit of 25 models the service's quota, and without a
 * network round trip to save, one SQLite transaction per batch is what pays.
 */
const localBatchLimit = 1000;

/** Batches a worker may have queued: bounded, so memory does not grow with the source. */
const queuePerWorker = 3;

/**
 * Target feature → source column when every value is copied as it is (same
 * type, no collections, nothing cast): then a target that takes bulk loads
 * gets the rows in bulk, with the same result as record by record.
 */
export function bulkColumns(compatibility: Compatibility): Record<string, string> | undefined {
	const columns: Record<string, string> = {};
	for (const action of compatibility.actions) {
		if (action.target?.CollectionType || action.kind === 'cast' || action.kind === 'error') return undefined;
		if (action.kind === 'copy') columns[action.target!.FeatureName] = action.source!.FeatureName;
	}

	return columns;
}

export class Migration extends EventEmitter {
	readonly board: ProgressBoard;
	readonly totals: Totals = {read: 0, written: 0, failed: 0, skipped: 0, deletes: 0};
	/** Rows the snapshot holds: the denominator of progress (known after snapshotting). */
	expected = 0;
	readonly startedAt = Date.now();
	private stopping = false;
	private readonly concurrency: SharedConcurrency;
	private readonly writeLock = new SharedArrayBuffer(4);

	constructor(private readonly input: MigrationInput) {
		super();
		this.board = new ProgressBoard(input.plan.workers);
		this.concurrency = new SharedConcurrency(input.plan.workers * 2);
	}

	/** Ask the run to stop: in-flight batches finish, the checkpoint is saved. */
	stop() {
		this.stopping = true;
		this.onStop?.();
	}

	private onStop?: () => void;

	get interrupted() {
		return this.stopping;
	}

	async run(): Promise<MigrationResult> {
		const {checkpoint, lockFile, plan} = this.input;
		const lock = acquireLock(lockFile, {
			pid: process.pid, host: hostname(), runId: checkpoint.runId, startedAt: new Date().toISOString(),
			what: `${plan.source} → ${plan.target}${checkpoint.options.filter ? ` WHERE ${checkpoint.options.filter}` : ''}`,
		}, plan.target);
		try {
			// Runs of the same rows that this one starts over: nobody else writes the target now.
			for (const dir of this.input.superseded) removeRun(dir);
			if (this.input.resuming) await trimFailedFile(checkpoint.failedFile, checkpoint.runId, checkpoint.positions);
			return await this.transfer();
		} finally {
			lock.release();
		}
	}

	private async transfer(): Promise<MigrationResult> {
		const {source, target, plan, checkpoint, runDir} = this.input;
		// Saved before anything runs, so that a run which fails before its
		// snapshot is taken (DuckDB out of memory, say) can be resumed as well.
		if (!checkpoint.snapshot) saveCheckpoint(runDir, checkpoint);
		// Nothing is written before the snapshot: until there is one, clearing
		// (again, on a resume) loses nothing; after it, never again.
		if (plan.clearTarget && !checkpoint.snapshot) {
			this.emit('phase', `clearing ${target.group.FeatureGroupName}`);
			await clearOnline(target.store, target.group);
			await clearOffline(target.store, target.group);
		}

		const offlineBefore = hasOfflineStore(target.group) && target.store.capabilities.exactOfflineCount ? await target.store.countOffline(target.group.FeatureGroupName, {mode: 'history'}) : undefined;
		// The workers start (threads, modules, the target store) while the source is snapshotted.
		const starting = startWorkers(this.workerInputs());
		starting.catch(() => undefined);
		if (!checkpoint.snapshot) {
			this.emit('phase', 'reading the source');
			try {
				// Bulk loads need no order: each part names its winners instead of being sorted.
				const unordered = bulkColumns(plan.compatibility) !== undefined && target.store.capabilities.bulkLoad;
				checkpoint.snapshot = await takeSnapshot(source.store, source.group, {...this.input.request, parts: plan.workers, unordered}, `${runDir}/snapshot`);
			} catch (error) {
				await starting.then(async started => Promise.all(started.map(async worker => worker.terminate())), () => undefined);
				throw error;
			}

			saveCheckpoint(runDir, checkpoint);
		}

		this.expected = checkpoint.snapshot.kind === 'offline' ? checkpoint.snapshot.snapshot.rows : checkpoint.snapshot.rows;
		this.emit('phase', 'transferring');
		const workers = await starting;
		const pending: Array<Set<number>> = workers.map(() => new Set());
		const waiters: Array<(() => void) | undefined> = workers.map(() => undefined);
		const samples = new Samples(20);
		let fatal: Error | undefined;
		let lastSave = 0;
		const toTarget = makeTargetRecords(plan.compatibility, target.group);
		const idName = source.group.RecordIdentifierFeatureName;

		// An offline snapshot is read by the workers themselves, each its own
		// partition; other sources (identifiers, a failed-records file) are read
		// here and sent to the workers.
		const workersRead = checkpoint.snapshot.kind === 'offline';
		const stopAll = (error: Error) => {
			fatal ??= error;
			this.stopping = true;
			for (const worker of workers) worker.postMessage({type: 'interrupt'} satisfies ToWorker);
			for (const waiter of waiters) waiter?.();
		};

		const finished = workers.map(() => false);
		const failed = workers.map(() => false);
		for (const [index, worker] of workers.entries()) {
			worker.on('message', (message: ToMain) => {
				// A worker that failed a batch moves its position no further (it writes no more).
				if (message.type === 'done' && failed[index]) return;
				if (message.type === 'finished') {
					finished[index] = true;
					this.totals.skipped += message.skipped;
					this.totals.read += message.skipped;
					for (const [id, record] of message.samples) if (samples.size < 20) samples.set(id, record);
					waiters[index]?.();
				} else if (message.type === 'done') {
					if (workersRead) this.totals.read += message.rows;
					pending[index]!.delete(message.batch);
					checkpoint.positions[index] = message.position;
					checkpoint.totals.written += message.written;
					checkpoint.totals.failed += message.failed;
					checkpoint.totals.deletes += message.deletes;
					this.totals.written += message.written;
					this.totals.failed += message.failed;
					this.totals.deletes += message.deletes;
					// The file at most every 200 ms: an embedded target saves its position
					// with the records themselves, and a resume takes the later of the two.
					if (Date.now() - lastSave >= 200) {
						try {
							saveCheckpoint(runDir, checkpoint);
							lastSave = Date.now();
						} catch (error) {
							// The disk filled up, say: the run stops as after a worker's failure.
							stopAll(error as Error);
						}
					}

					waiters[index]?.();
				} else if (message.type === 'fatal') {
					failed[index] = true;
					stopAll(Object.assign(new FsError(message.kind ?? 'runtime', `Worker ${index + 1} stopped: ${message.message}`, message.remedy ?? 'Fix the cause first.', message.code), message.path ? {path: message.path} : {}));
				}
			});
		}

		const send = async (partition: number, rows: WireRow[], start: number, batch: number) => {
			while (pending[partition]!.size >= queuePerWorker && !fatal) {
				await new Promise<void>(resolve => {
					waiters[partition] = resolve;
				});
			}

			if (fatal) return;
			pending[partition]!.add(batch);
			workers[partition]!.postMessage({type: 'batch', batch, start, rows} satisfies ToWorker);
		};

		const buffers: WireRow[][] = workers.map(() => []);
		const next = [...checkpoint.positions];
		const seen = workers.map(() => 0);
		let batchNumber = 0;
		try {
			if (checkpoint.snapshot.kind === 'offline') {
				const {snapshot} = checkpoint.snapshot;
				this.onStop = () => {
					for (const worker of workers) worker.postMessage({type: 'interrupt'} satisfies ToWorker);
				};

				if (this.stopping) this.onStop();
				for (const [index, worker] of workers.entries()) {
					worker.postMessage({type: 'read', snapshot, start: checkpoint.positions[index]!, batchSize: plan.batchSize} satisfies ToWorker);
				}

				await Promise.all(workers.map((_, index) => (async () => {
					while (!finished[index] && !fatal) {
						await new Promise<void>(resolve => {
							waiters[index] = resolve;
						});
					}
				})()));
			}

			const handOut = checkpoint.snapshot.kind === 'offline' ? undefined : checkpoint.snapshot;
			outer: for await (const rows of handOut ? readSnapshotRows(source.store, source.group, handOut) : []) {
				for (const row of rows) {
					if (this.stopping) break outer;
					this.totals.read++;
					const id = row.record[idName];
					const partition = partitionOf(typeof id === 'string' ? id : '', workers.length);
					// Rows a previous run finished: counted, not sent again.
					if (seen[partition]! < checkpoint.positions[partition]!) {
						seen[partition]!++;
						this.totals.skipped++;
						continue;
					}

					seen[partition]!++;
					samples.addRow(row, source.group, toTarget);

					const buffer = buffers[partition]!;
					buffer.push(row);
					if (buffer.length >= plan.batchSize) {
						buffers[partition] = [];
						const start = next[partition]!;
						next[partition]! += buffer.length;
						await send(partition, buffer, start, batchNumber++);
					}
				}
			}

			if (!this.stopping && handOut) {
				for (const [partition, done] of checkpoint.positions.entries()) {
					if (seen[partition]! < done) throw checkpointPastEnd(partition, done, seen[partition]!);
				}
			}

			if (!this.stopping) {
				for (const [partition, buffer] of buffers.entries()) {
					if (buffer.length === 0) continue;
					const start = next[partition]!;
					next[partition]! += buffer.length;
					await send(partition, buffer, start, batchNumber++);
				}
			}
		} finally {
			// In-flight batches finish either way; then the workers close their stores.
			await Promise.all(pending.map((set, index) => (async () => {
				while (set.size > 0 && !fatal) {
					await new Promise<void>(resolve => {
						waiters[index] = resolve;
					});
				}
			})()));
			await stopWorkers(workers, this.stopping);
		}

		const interrupted = this.stopping && !fatal;
		checkpoint.status = fatal ? 'failed' : interrupted ? 'interrupted' : 'done';
		try {
			saveCheckpoint(runDir, checkpoint);
		} catch (error) {
			fatal ??= error as Error;
		}

		if (fatal) throw fatal;
		const seconds = (Date.now() - this.startedAt) / 1000;
		const result: MigrationResult = {
			status: interrupted ? 'interrupted' : 'done',
			totals: {...this.totals},
			retries: this.board.all().reduce((sum, worker) => sum + worker.retries, 0),
			seconds,
			recordsPerSecond: (this.totals.written + this.totals.failed) / Math.max(seconds, 0.001),
			...(checkpoint.totals.failed > 0 ? {failedFile: checkpoint.failedFile} : {}),
		};
		if (!interrupted) result.verification = await verifyTarget(target, this.totals.written, offlineBefore, samples);
		return result;
	}

	/** Each worker's input: its partition, the stores and groups, the shared memory. */
	private workerInputs(): WorkerInput[] {
		const {target, source, plan, checkpoint} = this.input;
		return Array.from({length: plan.workers}, (_, index) => ({
			index,
			target: target.handle,
			targetGroup: target.group,
			compatibility: plan.compatibility,
			progress: this.board.buffer,
			workers: plan.workers,
			concurrency: this.concurrency.buffer,
			maxConcurrency: this.concurrency.max,
			checkpointKey: `${checkpoint.runId}/${index}`,
			runId: checkpoint.runId,
			failedFile: checkpoint.failedFile,
			source: source.handle,
			sourceGroup: source.group,
			sourceIdentifier: source.group.RecordIdentifierFeatureName,
			sourceEventTime: source.group.EventTimeFeatureName,
			local: {batchWriteLimit: localBatchLimit, writeLock: this.writeLock, duckdbMemory: duckdbMemory('128MB'), duckdbThreads: 1},
			bulkColumns: bulkColumns(plan.compatibility),
		}));
	}
}
