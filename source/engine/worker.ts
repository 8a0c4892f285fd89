/**
 * A migration worker thread: reads its partition of an offline snapshot
 * itself (or takes batches from the main thread), in order, and writes it —
 * as bulk loads where the embedded target takes them, otherwise record by
 * record (batch-writer.ts). Progress goes to shared memory.
 */
import {parentPort, workerData, type MessagePort} from 'node:worker_threads';
import type {Compatibility} from '../core/compat.js';
import type {FeatureGroup} from '../core/types.js';
import {duckdbMemory} from '../io/duckdb.js';
import {openStoreHandle, type StoreHandle} from '../stores/open.js';
import type {OfflineSnapshot, SnapshotPartition, SnapshotRange, Store} from '../stores/store.js';
import {BatchWriter} from './batch-writer.js';
import {checkpointPastEnd} from './checkpoint.js';
import {SharedConcurrency, SharedRate} from './concurrency.js';
import type {WriteRate} from '../core/cost.js';
import {ProgressBoard} from './progress.js';
import {Samples} from './samples.js';
import {WinnerCursor} from './winners.js';
import {fatalMessage, type ToMain, type ToWorker, type WireRow} from './protocol.js';
import {wireRows} from './source.js';
import {crashPoint} from '../io/crash-points.js';

export interface WorkerInput {
	index: number;
	target: StoreHandle;
	targetGroup: FeatureGroup;
	compatibility: Compatibility;
	progress: SharedArrayBuffer;
	workers: number;
	concurrency: SharedArrayBuffer;
	maxConcurrency: number;
	/** --max-write-rate: the rate and its shared schedule (SharedRate). */
	rate?: {buffer: SharedArrayBuffer; perSecond: number; unit: WriteRate['unit']};
	/** Checkpoint key of this worker's partition in the target store. */
	checkpointKey: string;
	runId: string;
	failedFile: string;
	sourceIdentifier: string;
	sourceEventTime: string;
	source: StoreHandle;
	sourceGroup: FeatureGroup;
	/**
	 * Target feature → source column, when every value is copied as it is
	 * (same types, no collections): an embedded target then takes bulk loads.
	 */
	bulkColumns?: Record<string, string>;
	/** For an embedded target: entries per write call, and the lock its writers share. */
	local: {batchWriteLimit: number; writeLock: SharedArrayBuffer; duckdbMemory: string; duckdbThreads: number};
}

/** Identifiers a worker samples for the verification: the first five it writes. */
const samplesPerWorker = 5;

/** Rows per bulk load: one transaction, and the unit of progress and checkpoints. */
const rowsPerLoad = 50_000;

/** What a worker's own read ends with: rows done before (skipped) and its sample for verification. */
interface PartitionRead {
	skipped: number;
	/** Of those, rows whose history was copied server-side (WireRow.copied). */
	skippedCopied: number;
	samples: Samples;
}

/** One file of the snapshot and this worker's rows of it. */
interface Share {
	snapshot: OfflineSnapshot;
	partition: SnapshotPartition | SnapshotRange;
}

/** A share's rows from `skip` on; a range is narrowed, a hash partition is read past them. */
function from(share: Share, skip: number): {share: Share; skipped: number} {
	const {partition} = share;
	if (!('file' in partition) || skip === 0) return {share, skipped: 0};
	const skipped = Math.min(skip, partition.count);
	const range = {...partition, first: partition.first + skipped, count: partition.count - skipped};
	return {share: {snapshot: {...share.snapshot, rows: range.count}, partition: range}, skipped};
}

/**
 * One worker thread's state and work: its target store and writer, the
 * source store it reads its partition from, whether it was told to stop,
 * and the batches it numbered.
 */
class PartitionWorker {
	readonly board: ProgressBoard;
	readonly me: number;
	interrupted = false;
	writer!: BatchWriter;
	private store!: Store;
	private source?: Store;
	private batchNumber = 0;
	/** The partition's position as last reported done. */
	private reported = 0;
	private readonly concurrency: SharedConcurrency;

	constructor(readonly input: WorkerInput, private readonly port: MessagePort) {
		this.board = new ProgressBoard(input.workers, input.progress);
		this.concurrency = new SharedConcurrency(input.maxConcurrency, input.concurrency);
		this.me = input.index;
	}

	post(message: ToMain) {
		if (message.type === 'done') this.reported = Math.max(this.reported, message.position);
		this.port.postMessage(message);
	}

	nextBatch() {
		return this.batchNumber++;
	}

	/** Open the target store and its writer, then say so. */
	async start() {
		const {input} = this;
		this.store = await openStoreHandle(input.target, process.env, input.local);
		this.writer = new BatchWriter({
			store: this.store, worker: this.me, board: this.board, concurrency: this.concurrency, target: input.targetGroup, compatibility: input.compatibility,
			...(input.rate ? {rate: {shared: new SharedRate(input.rate.perSecond, input.rate.buffer), unit: input.rate.unit}} : {}),
			checkpointKey: input.checkpointKey, runId: input.runId, failedFile: input.failedFile, sourceIdentifier: input.sourceIdentifier, sourceEventTime: input.sourceEventTime,
		});
		this.board.setState(this.me, 'idle');
		this.post({type: 'ready', worker: this.me});
	}

	/** After the last batch: the target store closed, the main thread told. */
	async close(interrupted: boolean) {
		this.board.setState(this.me, interrupted ? 'stopped' : 'done');
		await this.store.close();
		this.post({type: 'closed', worker: this.me});
	}

	/** One DuckDB thread per worker: the workers are the parallelism. */
	private async sourceStore() {
		return (this.source ??= await openStoreHandle(this.input.source, process.env, {duckdbMemory: duckdbMemory('192MB'), duckdbThreads: 1}));
	}

	/**
	 * This worker's rows of a snapshot, file by file: its parts (ranges holding
	 * whole identifiers), or else its hash partition of every file.
	 */
	private sharesOf(snapshot: OfflineSnapshot): Share[] {
		const {input, me} = this;
		if (snapshot.parts) {
			return snapshot.parts.filter((range, index) => (range.part ?? index) % input.workers === me)
				.map(range => ({snapshot: {...snapshot, files: [range.file], parts: undefined, rows: range.count}, partition: range}));
		}

		return snapshot.files.map(file => ({snapshot: {...snapshot, files: [file]}, partition: {index: me, of: input.workers, column: input.sourceIdentifier}}));
	}

	/**
	 * A share's rows from `skip` rows in, written batch by batch; positions
	 * count from `base`. Returns the rows read and how many were skipped, and
	 * whether a stop cut the share short (rows left unread or unwritten).
	 */
	private async writeRows(whole: Share, skip: number, base: number, batchSize: number, samples: Samples): Promise<{rows: number; skipped: number; skippedCopied: number; cut: boolean}> {
		const store = await this.sourceStore();
		const {share, skipped: narrowed} = from(whole, skip);
		let position = narrowed;
		let skipped = narrowed;
		let skippedCopied = 0;
		let cut = false;
		let batch: WireRow[] = [];
		let batchStart = base + skip;
		const handed = new HandedBatches(this);
		const write = async () => {
			const rows = batch;
			batch = [];
			void handed.hand(rows, batchStart, this.nextBatch());
			batchStart += rows.length;
			await handed.within(this.writer.ahead);
		};

		const winners = WinnerCursor.of(store, whole.partition);
		try {
			outer: for await (const offline of store.readSnapshot(share.snapshot, share.partition)) {
				for (const row of wireRows(offline, this.input.sourceGroup)) {
					if (this.interrupted) {
						cut = true;
						break outer;
					}

					if (position++ < skip) {
						skipped++;
						if (row.copied) skippedCopied++;
						continue;
					}

					if (winners && !(await winners.has(position - 1))) row.history = true;
					if (!row.history) samples.addRow(row, this.input.sourceGroup, this.writer.toTarget);
					batch.push(row);
					if (batch.length >= batchSize) await write();
				}
			}

			if (batch.length > 0) {
				if (this.interrupted) cut = true;
				else await write();
			}
		} finally {
			await winners?.close();
			// Batches handed over end (and report) before anything else happens.
			await handed.within(0);
		}

		return {rows: position, skipped, skippedCopied, cut};
	}

	/**
	 * Bulk loads of one share into an embedded target, from `skip` rows in
	 * (samples come from the first share with rows). A load the store refuses
	 * (some row needs the record-by-record checks) goes record by record, which
	 * reports those rows. Returns the share's rows.
	 */
	private async loadShare(share: Share, skip: number, base: number, batchSize: number, columns: Record<string, string>, read: PartitionRead): Promise<number> {
		const {board, me} = this;
		const deletedColumn = share.snapshot.names.includes('is_deleted') ? 'is_deleted' : undefined;
		let offset = skip;
		let total: number | undefined;
		while (!this.interrupted) {
			board.setState(me, 'writing');
			let result;
			try {
				result = await this.store.bulkLoad!({
					FeatureGroupName: this.input.targetGroup.FeatureGroupName, file: share.snapshot.files[0]!, partition: share.partition, skip: offset, limit: rowsPerLoad, columns, deletedColumn,
					checkpoint: {key: this.input.checkpointKey, position: base + offset},
					progress: rows => board.setInFlight(me, rows),
				});
			} catch (error) {
				board.setInFlight(me, 0);
				throw error;
			}

			if (total === undefined) {
				total = result.total;
				read.skipped += Math.min(offset, total);
				if (read.samples.size === 0 && offset < total) await this.sampleShare(share, offset, read.samples);
			}

			if (!result.ok) {
				await this.writeRows(share, offset, base, batchSize, read.samples);
				break;
			}

			if (result.rows === 0) break;
			crashPoint('bulk-loaded');
			board.add(me, 'records', result.rows);
			board.add(me, 'deletes', result.deletes);
			board.add(me, 'bytes', result.bytes);
			board.add(me, 'batches', 1);
			// Written now: no longer in flight (counted once the records are, so a view never sees them dip).
			board.setInFlight(me, 0);
			this.post({type: 'done', worker: me, batch: this.nextBatch(), rows: result.rows, written: result.rows, failed: 0, deletes: result.deletes, position: base + offset + result.rows});
			offset += result.rows;
			if (offset >= total) break;
		}

		return total ?? 0;
	}

	/**
	 * Samples from one share, read from row `offset`: its first five identifiers
	 * (of an unordered snapshot: its first five winners).
	 */
	private async sampleShare(whole: Share, offset: number, samples: Samples) {
		const store = await this.sourceStore();
		const {share, skipped} = from(whole, offset);
		let position = skipped;
		const winners = WinnerCursor.of(store, whole.partition);
		try {
			outer: for await (const offline of store.readSnapshot(share.snapshot, share.partition)) {
				for (const row of wireRows(offline, this.input.sourceGroup)) {
					if (position++ < offset) continue;
					if (winners && !(await winners.has(position - 1))) continue;
					const id = row.record[this.input.sourceIdentifier];
					if (typeof id === 'string' && !samples.has(id) && samples.size >= samplesPerWorker) break outer;
					samples.addRow(row, this.input.sourceGroup, this.writer.toTarget);
				}
			}
		} finally {
			await winners?.close();
		}
	}

	/**
	 * Read this worker's share of the snapshot and write it: no row crosses a
	 * thread boundary, and the main thread stays free for the view. `start`:
	 * rows of the share a previous run finished.
	 */
	async readPartition(snapshot: OfflineSnapshot, start: number, batchSize: number) {
		const read: PartitionRead = {skipped: 0, skippedCopied: 0, samples: new Samples(samplesPerWorker)};
		const bulk = this.input.bulkColumns && this.store.capabilities.bulkLoad ? this.input.bulkColumns : undefined;
		this.reported = start;
		let complete = true;
		try {
			let position = 0;
			for (const share of this.sharesOf(snapshot)) {
				if (this.interrupted) {
					complete = false;
					break;
				}

				const skip = Math.max(0, start - position);
				if (bulk) {
					position += await this.loadShare(share, skip, position, batchSize, bulk, read);
				} else {
					const {rows, skipped, skippedCopied, cut} = await this.writeRows(share, skip, position, batchSize, read.samples);
					// Rows the stop left unread are not done, though every row read was reported.
					if (cut) complete = false;
					position += rows;
					read.skipped += skipped;
					read.skippedCopied += skippedCopied;
				}
			}

			// A checkpoint past the end would skip rows that were never written and call it done.
			if (!this.interrupted && start > position) throw checkpointPastEnd(this.me, start, position);
			complete &&= this.reported >= position;
		} finally {
			await this.source?.close();
			this.source = undefined;
		}

		this.post({type: 'finished', worker: this.me, skipped: read.skipped, ...(read.skippedCopied > 0 ? {skippedCopied: read.skippedCopied} : {}), samples: [...read.samples], complete});
	}
}

/**
 * Batches handed to the writer and not yet reported, reported as done in
 * the order they were handed (a partition's position only moves forward
 * over rows that are written); after one fails, none behind it is reported.
 */
class HandedBatches {
	private readonly queue: Array<{rows: number; reported: Promise<void>}> = [];
	private readonly writing = new Set<Promise<unknown>>();
	private last: Promise<void> = Promise.resolve();
	private rows = 0;

	constructor(private readonly worker: PartitionWorker) {}

	/**
	 * Hand one batch to the writer. The promise resolves once the batch is
	 * reported done; it rejects when this batch or one before it failed, and
	 * only when nothing handed is still being written.
	 */
	hand(rows: WireRow[], start: number, batch: number): Promise<void> {
		const {worker} = this;
		const written = worker.writer.write(rows, start);
		this.writing.add(written);
		// Awaited in turn below; until then its failure is not an unhandled one.
		written.catch(() => undefined).finally(() => this.writing.delete(written));
		const reported = this.last.then(async () => {
			const result = await written;
			this.writing.delete(written);
			worker.post({type: 'done', worker: worker.me, batch, rows: rows.length, ...result, position: start + rows.length});
			if (this.writing.size === 0) worker.board.setState(worker.me, 'idle');
		}).catch(async (error: unknown) => {
			await Promise.allSettled([...this.writing]);
			throw error;
		});
		reported.catch(() => undefined);
		this.last = reported;
		this.queue.push({rows: rows.length, reported});
		this.rows += rows.length;
		return reported;
	}

	/** Wait until fewer than `rows` handed rows are unreported (0: none); throws a batch's failure. */
	async within(rows: number) {
		while (this.queue.length > 0 && this.rows >= rows) {
			const first = this.queue.shift()!;
			this.rows -= first.rows;
			try {
				await first.reported;
			} catch (error) {
				this.queue.length = 0;
				this.rows = 0;
				throw error;
			}
		}
	}
}

/** The thread's message loop: batches handed out, its own partition to read, interrupt, stop. */
async function main(worker: PartitionWorker) {
	await worker.start();
	let queue = Promise.resolve();
	let broken = false;
	const handed = new HandedBatches(worker);
	parentPort!.on('message', (message: ToWorker) => {
		if (message.type === 'interrupt') {
			worker.interrupted = true;
			return;
		}

		queue = queue.then(async () => {
			if (message.type === 'read') {
				try {
					await worker.readPartition(message.snapshot, message.start, message.batchSize);
				} catch (error) {
					worker.post(fatalMessage(worker.me, error));
				}

				return;
			}

			if (message.type === 'stop') {
				// A failure among them has been reported as it happened.
				await handed.within(0).catch(() => undefined);
				await worker.close(message.interrupted);
				return;
			}

			// After a failed batch the ones queued behind it are not written: the
			// partition's position must not move past rows that were not.
			if (broken) return;
			// Reported at once, not when the next message comes: the main thread may be waiting for this batch.
			handed.hand(message.rows, message.start, message.batch).catch((error: unknown) => {
				if (broken) return;
				broken = true;
				worker.post(fatalMessage(worker.me, error));
			});
			// The main thread queues a few batches at most: a writer that takes them
			// ahead has the next in hand while this one is written.
			await handed.within(worker.writer.ahead).catch(() => undefined);
		});
	});
}

const worker = new PartitionWorker(workerData as WorkerInput, parentPort!);
void main(worker).catch(error => worker.post(fatalMessage(worker.me, error)));
