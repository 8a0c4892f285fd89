/**
 * The migration engine, free of any UI: takes a plan, snapshots the source,
 * streams it to worker threads partitioned by record identifier, keeps a
 * checkpoint, and accounts for every row read (written + failed + skipped).
 * Views read `board` (shared counters) and `totals` whenever they like.
 */
import {EventEmitter} from 'node:events';
import {hostname} from 'node:os';
import type {Worker} from 'node:worker_threads';
import type {Compatibility} from '../core/compat.js';
import {makeTargetRecords} from '../core/cast.js';
import type {Plan} from '../core/plan.js';
import {hasOfflineStore} from '../core/types.js';
import {crashPoint} from '../io/crash-points.js';
import {duckdbMemory} from '../io/duckdb.js';
import {removeRun, saveCheckpoint, type Checkpoint, type SourceSnapshot} from './checkpoint.js';
import {trimFailedFile} from './failed-file.js';
import {acquireLock} from './lock.js';
import {clearOffline, clearOnline} from './clear.js';
import {SharedConcurrency, SharedRate} from './concurrency.js';
import {startWorkers, stopWorkers} from './threads.js';
import {verifyTarget} from './verify.js';
import {WorkerPool} from './pool.js';
import {ProgressBoard} from './progress.js';
import {Samples} from './samples.js';
import {takeSnapshot, type SnapshotRequest} from './source.js';
import {MainHandsOut, WorkersReadPartitions, type TransferStrategy} from './transfer.js';
import type {MigrationResult, Side, Totals} from './types.js';
import type {WorkerInput} from './worker.js';
import type {OfflineCopy} from '../stores/store.js';

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
	/** The offline history, copied by the source's query engine; the workers then write the winners online only (docs/server-copy.md). */
	copy?: OfflineCopy;
}

/**
 * Write calls to an embedded target carry up to this many records: its
 * BatchWriteRecord limit of 25 models the service's quota, and without a
 * network round trip to save, one SQLite transaction per batch is what pays.
 */
const localBatchLimit = 1000;

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
	/** With the history copied server-side: the winners' online writes (the workers'), apart from the rows' totals. */
	readonly online?: Totals;
	/** Rows the snapshot holds: the denominator of progress (known after snapshotting). */
	expected = 0;
	/** Rows the server-side copy wrote, once counted in the totals. */
	private copied = 0;
	readonly startedAt = Date.now();
	/** The phase under way (its 'phase' event was emitted last): a view that subscribes late starts from it. */
	phase?: string;
	private stopping = false;
	private readonly concurrency: SharedConcurrency;
	private readonly rate?: SharedRate;
	private readonly writeLock = new SharedArrayBuffer(4);
	/** The transfer under way: told when a stop is asked for. */
	private strategy?: {stop(): void};

	constructor(private readonly input: MigrationInput) {
		super();
		// Rows the target held already were read and left out of the snapshot: skipped (migration/existing.ts).
		const existing = this.alreadyInTarget;
		this.totals.read += existing;
		this.totals.skipped += existing;
		this.board = new ProgressBoard(input.plan.workers);
		if (input.copy) this.online = {read: 0, written: 0, failed: 0, skipped: 0, deletes: 0};
		this.concurrency = new SharedConcurrency(input.plan.workers * 2);
		if (input.plan.maxWriteRate) this.rate = new SharedRate(input.plan.maxWriteRate.perSecond);
	}

	/** Target feature → source column for bulk loads, unless writes are paced (a load is one transaction of up to 50,000 rows: it cannot be). */
	private get bulk() {
		return this.input.plan.maxWriteRate ? undefined : bulkColumns(this.input.plan.compatibility);
	}

	private get alreadyInTarget(): number {
		const {existing} = this.input.checkpoint;
		return existing?.skipped ? existing.rows : 0;
	}

	/** Ask the run to stop: in-flight batches finish, the checkpoint is saved. */
	stop() {
		this.stopping = true;
		this.strategy?.stop();
	}

	get interrupted() {
		return this.stopping;
	}

	/**
	 * Progress against `expected`: rows done (written, failed or skipped) and
	 * rows moved (written or failed) by this run's workers. With the history
	 * copied server-side, the copy's rows and those already in the target are
	 * in the totals but not in the workers' share.
	 */
	get progress(): {done: number; moved: number; failed: number} {
		const {totals, online} = this;
		const moved = totals.written + totals.failed;
		if (!online) return {done: moved + totals.skipped, moved, failed: totals.failed};
		const workers = moved - this.copied + online.written + online.failed;
		return {done: workers + totals.skipped - this.alreadyInTarget + online.skipped, moved: workers, failed: totals.failed + online.failed};
	}

	/**
	 * The run, phase by phase: clear the target (once, before the snapshot),
	 * snapshot the source (while the workers start), transfer (one of the
	 * strategies of transfer.ts), verify. The target is locked throughout.
	 */
	async run(): Promise<MigrationResult> {
		const {checkpoint, lockFile, plan} = this.input;
		const lock = acquireLock(lockFile, {
			pid: process.pid, host: hostname(), runId: checkpoint.runId, startedAt: new Date().toISOString(),
			what: `${plan.source} → ${plan.target}${checkpoint.options.filter ? ` WHERE ${checkpoint.options.filter}` : ''}${plan.shard ? `, shard ${plan.shard}` : ''}`,
		}, plan.target);
		try {
			// Runs of the same rows that this one starts over: nobody else writes the target now.
			for (const dir of this.input.superseded) removeRun(dir);
			if (this.input.resuming) await trimFailedFile(checkpoint.failedFile, checkpoint.runId, checkpoint.positions);
			// Saved before anything runs, so that a run which fails before its
			// snapshot is taken (DuckDB out of memory, say) can be resumed as well.
			if (!checkpoint.snapshot) saveCheckpoint(this.input.runDir, checkpoint);
			await this.clear();
			const {target} = this.input;
			// Other shards write the same target meanwhile: its count says nothing of this run's.
			const offlineBefore = hasOfflineStore(target.group) && target.store.capabilities.exactOfflineCount && !plan.shard ? await target.store.countOffline(target.group.FeatureGroupName, {mode: 'history'}) : undefined;
			// The workers start (threads, modules, the target store) while the source is snapshotted.
			const starting = startWorkers(this.workerInputs());
			starting.catch(() => undefined);
			const snapshot = await this.snapshot(starting);
			await this.copyOffline(starting);
			const samples = new Samples(20);
			const interrupted = await this.transfer(await starting, snapshot, samples);
			const seconds = (Date.now() - this.startedAt) / 1000;
			const result: MigrationResult = {
				status: interrupted ? 'interrupted' : 'done',
				totals: {...this.totals},
				retries: this.board.sums().retries,
				seconds,
				recordsPerSecond: (this.totals.written + this.totals.failed) / Math.max(seconds, 0.001),
				...(checkpoint.totals.failed > 0 ? {failedFile: checkpoint.failedFile} : {}),
				...(this.alreadyInTarget > 0 ? {alreadyInTarget: this.alreadyInTarget} : {}),
				...(this.online ? {online: {...this.online}, offlineCopied: checkpoint.offlineCopy?.rows ?? 0} : {}),
			};
			if (!interrupted) result.verification = await this.verify(offlineBefore, samples);
			if (result.verification && this.online) result.verification.note = `offline: ${(checkpoint.offlineCopy?.rows ?? 0).toLocaleString('en-US')} rows copied by Athena, counted through ${target.group.FeatureGroupName}'s table`;
			return result;
		} finally {
			lock.release();
		}
	}

	/** Phase clear: nothing is written before the snapshot, so until there is one clearing (again, on a resume) loses nothing; after it, never again. */
	private async clear() {
		const {plan, target, checkpoint} = this.input;
		if (!plan.clearTarget || checkpoint.snapshot) return;
		this.enter(`clearing ${target.group.FeatureGroupName}`);
		await clearOnline(target.store, target.group);
		await clearOffline(target.store, target.group);
	}

	/** Phase snapshot: the source's rows as they are now (a resume keeps its own); the workers are stopped if it fails. */
	private async snapshot(starting: Promise<Worker[]>): Promise<SourceSnapshot> {
		const {source, target, plan, checkpoint, runDir} = this.input;
		if (!checkpoint.snapshot) {
			this.enter('reading the source');
			try {
				// Bulk loads need no order: each part names its winners instead of being sorted.
				const unordered = this.bulk !== undefined && target.store.capabilities.bulkLoad;
				checkpoint.snapshot = await takeSnapshot(source.store, source.group, {...this.input.request, parts: plan.workers, unordered}, `${runDir}/snapshot`);
			} catch (error) {
				await terminate(starting);
				throw error;
			}

			saveCheckpoint(runDir, checkpoint);
		}

		// Rows left out as already in the target count as done, as in the totals (the winners: what the workers write).
		this.expected = (checkpoint.snapshot.kind === 'offline' ? checkpoint.snapshot.snapshot.rows : checkpoint.snapshot.rows) + (this.online ? 0 : this.alreadyInTarget);
		return checkpoint.snapshot;
	}

	/**
	 * Phase copy (the history server-side): once per run. A copy that started
	 * and did not finish (the process died) left rows that carry its tag and
	 * time: they are removed before it runs again, so the target gets every
	 * row once. Its rows count as read and written.
	 */
	private async copyOffline(starting: Promise<Worker[]>) {
		const {copy, checkpoint, runDir, source} = this.input;
		const state = checkpoint.offlineCopy;
		if (!copy || !state) return;
		if (!state.done) {
			this.enter(`copying the offline history (Athena, server-side)`);
			try {
				if (state.started) await source.store.undoOfflineCopy!(copy);
				state.started = true;
				saveCheckpoint(runDir, checkpoint);
				state.rows = await source.store.copyOffline!(copy);
				crashPoint('offline-copied');
				state.done = true;
				saveCheckpoint(runDir, checkpoint);
			} catch (error) {
				await terminate(starting);
				throw error;
			}
		}

		this.copied = state.rows ?? 0;
		this.totals.read += this.copied;
		this.totals.written += this.copied;
	}

	/**
	 * Phase transfer: an offline snapshot is read by the workers themselves,
	 * each its own partition; other sources (identifiers, a failed-records
	 * file) are read here and handed out. Ends with the checkpoint saved and
	 * the workers closed; returns whether a stop cut it short.
	 */
	private async transfer(workers: Worker[], snapshot: SourceSnapshot, samples: Samples): Promise<boolean> {
		const {source, target, plan, checkpoint, runDir} = this.input;
		const workersRead = snapshot.kind === 'offline';
		const pool = new WorkerPool(workers, checkpoint, runDir, this.totals, samples, workersRead, () => {
			this.stopping = true;
		}, this.online);
		const strategy: TransferStrategy = workersRead
			? new WorkersReadPartitions(snapshot.snapshot, checkpoint.positions, plan.batchSize)
			: new MainHandsOut({
				store: source.store, group: source.group, snapshot, checkpoint, batchSize: plan.batchSize, totals: this.totals, samples,
				toTarget: makeTargetRecords(plan.compatibility, target.group),
			});
		this.strategy = {stop: () => strategy.stop(pool)};
		if (this.stopping) strategy.stop(pool);
		this.enter('transferring');
		let complete = false;
		try {
			complete = await strategy.transfer(pool);
			crashPoint('transferred');
		} finally {
			// In-flight batches finish either way; then the workers close their stores.
			await pool.drained();
			await stopWorkers(workers, this.stopping && !complete);
			this.strategy = undefined;
		}

		let {fatal} = pool;
		// A stop asked for once every row was written changes nothing: the run is finished.
		const interrupted = this.stopping && !fatal && !complete;
		checkpoint.status = fatal ? 'failed' : interrupted ? 'interrupted' : 'done';
		try {
			saveCheckpoint(runDir, checkpoint);
		} catch (error) {
			fatal ??= error as Error;
		}

		if (fatal) throw fatal;
		return interrupted;
	}

	private enter(phase: string) {
		this.phase = phase;
		this.emit('phase', phase);
	}

	/** Phase verify: the target's offline rows against what was written, and the sampled records read back. */
	private async verify(offlineBefore: number | undefined, samples: Samples) {
		this.enter('verifying');
		return verifyTarget(this.input.target, this.totals.written, offlineBefore, samples, this.input.plan.shard);
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
			...(this.bulk ? {bulkColumns: this.bulk} : {}),
			...(this.rate && plan.maxWriteRate ? {rate: {buffer: this.rate.buffer, perSecond: plan.maxWriteRate.perSecond, unit: plan.maxWriteRate.unit}} : {}),
		}));
	}
}

/** Workers started for a run that fails before its transfer: stopped, whether or not they got going. */
async function terminate(starting: Promise<Worker[]>): Promise<void> {
	await starting.then(async started => Promise.all(started.map(async worker => worker.terminate())), () => undefined);
}
