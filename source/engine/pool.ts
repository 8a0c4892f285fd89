/**
 * The main thread's side of the workers: what each has in flight, what each
 * reported (written, failed, positions: the checkpoint), the first failure,
 * which stops them all. The transfer strategies (transfer.ts) drive it.
 */
import type {Worker} from 'node:worker_threads';
import {FsError} from '../core/errors.js';
import {saveCheckpoint, type Checkpoint} from './checkpoint.js';
import type {ToMain, ToWorker, WireRow} from './protocol.js';
import type {Samples} from './samples.js';
import type {Totals} from './types.js';

/** Batches a worker may have queued: bounded, so memory does not grow with the source. */
const queuePerWorker = 3;

/** The checkpoint file is written at most this often: an embedded target saves positions with the records too. */
const saveEvery = 200;

/** A worker's failure as it crossed the thread boundary, rebuilt as the same typed error. */
export function workerError(index: number, message: Extract<ToMain, {type: 'fatal'}>): FsError {
	const error = new FsError(message.kind ?? 'runtime', `Worker ${index + 1} stopped: ${message.message}`, message.remedy ?? 'Fix the cause first.', message.code);
	return message.path ? Object.assign(error, {path: message.path}) : error;
}

export class WorkerPool {
	/** The first failure (a worker's, or saving the checkpoint): every worker is told to stop. */
	fatal?: Error;
	private readonly pending: Array<Set<number>>;
	private readonly waiters: Array<(() => void) | undefined>;
	private readonly finished: boolean[];
	private readonly complete: boolean[];
	private readonly failed: boolean[];
	private lastSave = 0;
	private batchNumber = 0;

	constructor(
		readonly workers: Worker[],
		private readonly checkpoint: Checkpoint,
		private readonly runDir: string,
		private readonly totals: Totals,
		private readonly samples: Samples,
		/** Workers read their own partitions: the rows they report are the rows read. */
		private readonly workersRead: boolean,
		private readonly onFatal: () => void,
		/** Where rows whose history was copied server-side count (their online writes), apart from `totals`. */
		private readonly online?: Totals,
	) {
		this.pending = workers.map(() => new Set());
		this.waiters = workers.map(() => undefined);
		this.finished = workers.map(() => false);
		this.complete = workers.map(() => false);
		this.failed = workers.map(() => false);
		for (const [index, worker] of workers.entries()) worker.on('message', (message: ToMain) => this.receive(index, message));
	}

	get size() {
		return this.workers.length;
	}

	/** Stop every worker after the batch in flight. */
	interrupt() {
		for (const worker of this.workers) worker.postMessage({type: 'interrupt'} satisfies ToWorker);
	}

	post(index: number, message: ToWorker) {
		this.workers[index]!.postMessage(message);
	}

	/** Hand a batch to worker `partition`, waiting while it has enough queued. */
	async send(partition: number, rows: WireRow[], start: number) {
		while (this.pending[partition]!.size >= queuePerWorker && !this.fatal) await this.wait(partition);
		if (this.fatal) return;
		const batch = this.batchNumber++;
		this.pending[partition]!.add(batch);
		this.post(partition, {type: 'batch', batch, start, rows});
	}

	/** Until every worker finished reading its partition (or one failed). */
	async allFinished() {
		await Promise.all(this.workers.map(async (_, index) => {
			while (!this.finished[index] && !this.fatal) await this.wait(index);
		}));
	}

	/** Every worker finished reading its partition with every row of it written. */
	get everyComplete() {
		return this.complete.every(Boolean);
	}

	/** Until the batches in flight are written (or one failed). */
	async drained() {
		await Promise.all(this.pending.map(async (set, index) => {
			while (set.size > 0 && !this.fatal) await this.wait(index);
		}));
	}

	private async wait(index: number) {
		await new Promise<void>(resolve => {
			this.waiters[index] = resolve;
		});
	}

	private stopAll(error: Error) {
		this.fatal ??= error;
		this.onFatal();
		this.interrupt();
		for (const waiter of this.waiters) waiter?.();
	}

	private receive(index: number, message: ToMain) {
		// A worker that failed a batch moves its position no further (it writes no more).
		if (message.type === 'done' && this.failed[index]) return;
		const {checkpoint, totals} = this;
		const online = this.online ?? totals;
		if (message.type === 'finished') {
			this.finished[index] = true;
			this.complete[index] = message.complete;
			const copied = message.skippedCopied ?? 0;
			totals.skipped += message.skipped - copied;
			totals.read += message.skipped - copied;
			online.skipped += copied;
			online.read += copied;
			for (const [id, record] of message.samples) if (this.samples.size < 20) this.samples.set(id, record);
			this.waiters[index]?.();
		} else if (message.type === 'done') {
			const copied = message.copied ?? {rows: 0, written: 0, failed: 0, deletes: 0};
			if (this.workersRead) {
				totals.read += message.rows - copied.rows;
				online.read += copied.rows;
			}

			this.pending[index]!.delete(message.batch);
			checkpoint.positions[index] = message.position;
			checkpoint.totals.written += message.written;
			checkpoint.totals.failed += message.failed;
			checkpoint.totals.deletes += message.deletes;
			totals.written += message.written - copied.written;
			totals.failed += message.failed - copied.failed;
			totals.deletes += message.deletes - copied.deletes;
			online.written += copied.written;
			online.failed += copied.failed;
			online.deletes += copied.deletes;
			if (Date.now() - this.lastSave >= saveEvery) {
				try {
					saveCheckpoint(this.runDir, checkpoint);
					this.lastSave = Date.now();
				} catch (error) {
					// The disk filled up, say: the run stops as after a worker's failure.
					this.stopAll(error as Error);
				}
			}

			this.waiters[index]?.();
		} else if (message.type === 'fatal') {
			this.failed[index] = true;
			this.stopAll(workerError(index, message));
		}
	}
}
