/**
 * The winners of an unordered snapshot's part (SnapshotRange.winners), walked
 * in step with the part's rows: a row that is not its identifier's winner is
 * history, for the offline store only. Reads the file a batch at a time, so
 * memory does not grow with the part.
 */
import type {OfflineBatch, SnapshotRange, Store} from '../stores/store.js';

export class WinnerCursor {
	private batch: number[] = [];
	private at = 0;
	private ended = false;
	private readonly batches: AsyncIterator<OfflineBatch>;

	/** `offset`: what the winners file adds to an index of the range's rows. */
	private constructor(store: Store, file: string, private readonly offset: number) {
		// `rows` only has to be non-zero for the file to be read.
		this.batches = store.readSnapshot({kind: 'parquet', files: [file], names: ['n'], rows: 1})[Symbol.asyncIterator]();
	}

	/** The cursor of a share's winners, if its snapshot is unordered. */
	static of(store: Store, partition: object): WinnerCursor | undefined {
		const range = 'file' in partition ? partition as SnapshotRange : undefined;
		return range?.winners ? new WinnerCursor(store, range.winners, (range.base ?? 0) + range.first) : undefined;
	}

	/** Whether the range's row `index` (0-based) is a winner; rows are asked about in ascending order. */
	async has(index: number): Promise<boolean> {
		const n = this.offset + index;
		for (;;) {
			while (this.at < this.batch.length && this.batch[this.at]! < n) this.at++;
			if (this.at < this.batch.length) return this.batch[this.at] === n;
			if (this.ended) return false;
			const next = await this.batches.next();
			if (next.done) {
				this.ended = true;
				return false;
			}

			this.batch = next.value.columns[0]!.map(Number);
			this.at = 0;
		}
	}

	async close(): Promise<void> {
		await this.batches.return?.();
	}
}
