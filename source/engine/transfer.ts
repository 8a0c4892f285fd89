/**
 * The two ways rows reach the workers (docs/architecture.md, "strategies"):
 * each worker reads its own partition of an offline snapshot, or the main
 * thread reads the snapshot (identifiers, a failed-records file) and hands
 * each row to the worker of its partition.
 */
import type {TargetRecord} from '../core/cast.js';
import type {FeatureGroup, FsRecord} from '../core/types.js';
import type {Store} from '../stores/store.js';
import {checkpointPastEnd, type Checkpoint, type SourceSnapshot} from './checkpoint.js';
import {partitionOf} from './partition.js';
import type {WorkerPool} from './pool.js';
import type {WireRow} from './protocol.js';
import type {Samples} from './samples.js';
import {readSnapshotRows} from './source.js';
import type {Totals} from './types.js';

export interface TransferStrategy {
	/**
	 * Move the rows; returns early once the pool has failed or a stop was
	 * asked for. Resolves to whether every row was handed over (a stop asked
	 * for after the last one changes nothing: the run is finished).
	 */
	transfer(pool: WorkerPool): Promise<boolean>;
	/** A stop was asked for: in-flight batches finish, no new ones start. */
	stop(pool: WorkerPool): void;
}

/** Each worker reads and writes its own partition of an offline snapshot: no row crosses a thread boundary. */
export class WorkersReadPartitions implements TransferStrategy {
	private started = false;
	private stopped = false;

	constructor(private readonly snapshot: Extract<SourceSnapshot, {kind: 'offline'}>['snapshot'], private readonly positions: number[], private readonly batchSize: number) {}

	async transfer(pool: WorkerPool) {
		this.started = true;
		if (this.stopped) pool.interrupt();
		for (const index of pool.workers.keys()) {
			pool.post(index, {type: 'read', snapshot: this.snapshot, start: this.positions[index]!, batchSize: this.batchSize});
		}

		await pool.allFinished();
		return !pool.fatal && pool.everyComplete;
	}

	stop(pool: WorkerPool) {
		this.stopped = true;
		if (this.started) pool.interrupt();
	}
}

export interface HandOutInput {
	store: Store;
	group: FeatureGroup;
	snapshot: Exclude<SourceSnapshot, {kind: 'offline'}>;
	checkpoint: Checkpoint;
	batchSize: number;
	totals: Totals;
	samples: Samples;
	toTarget: (record: FsRecord) => TargetRecord;
}

/**
 * The main thread reads the snapshot and hands each row to the worker of
 * its identifier's partition, in batches; rows a previous run finished are
 * counted as skipped, not sent again.
 */
export class MainHandsOut implements TransferStrategy {
	private stopping = false;

	constructor(private readonly input: HandOutInput) {}

	async transfer(pool: WorkerPool) {
		const {store, group, snapshot, checkpoint, batchSize, totals, samples, toTarget} = this.input;
		const idName = group.RecordIdentifierFeatureName;
		const buffers: WireRow[][] = pool.workers.map(() => []);
		const next = [...checkpoint.positions];
		const seen = pool.workers.map(() => 0);
		outer: for await (const rows of readSnapshotRows(store, group, snapshot)) {
			for (const row of rows) {
				if (this.stopping || pool.fatal) break outer;
				totals.read++;
				const id = row.record[idName];
				const partition = partitionOf(typeof id === 'string' ? id : '', pool.size);
				// Rows a previous run finished: counted, not sent again.
				if (seen[partition]! < checkpoint.positions[partition]!) {
					seen[partition]!++;
					totals.skipped++;
					continue;
				}

				seen[partition]!++;
				samples.addRow(row, group, toTarget);
				const buffer = buffers[partition]!;
				buffer.push(row);
				if (buffer.length >= batchSize) {
					buffers[partition] = [];
					const start = next[partition]!;
					next[partition]! += buffer.length;
					await pool.send(partition, buffer, start);
				}
			}
		}

		if (this.stopping || pool.fatal) return false;
		for (const [partition, done] of checkpoint.positions.entries()) {
			if (seen[partition]! < done) throw checkpointPastEnd(partition, done, seen[partition]!);
		}

		for (const [partition, buffer] of buffers.entries()) {
			if (buffer.length === 0) continue;
			const start = next[partition]!;
			next[partition]! += buffer.length;
			await pool.send(partition, buffer, start);
		}

		return !pool.fatal;
	}

	stop() {
		this.stopping = true;
	}
}
