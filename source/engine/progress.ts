/**
 * Progress of a migration in shared memory: one row of numbers per worker,
 * written by that worker, read by any view (Ink, plain lines, --json) at its
 * own pace. No message per record, no React update per record.
 */
export const workerStates = ['starting', 'idle', 'writing', 'backing off', 'retrying', 'done', 'stopped'] as const;
export type WorkerState = typeof workerStates[number];

const fields = ['records', 'failed', 'retries', 'bytes', 'state', 'backoffUntil', 'deletes', 'batches', 'inFlight'] as const;
type Field = typeof fields[number];
const width = fields.length;
const offset = Object.fromEntries(fields.map((field, index) => [field, index])) as Record<Field, number>;

export interface WorkerProgress {
	records: number;
	failed: number;
	retries: number;
	bytes: number;
	state: WorkerState;
	deletes: number;
	batches: number;
	/**
	 * Rows of a bulk load under way, counted by how far through its steps
	 * they are: not written yet (a load commits all at once), but moving.
	 */
	inFlight: number;
}

export class ProgressBoard {
	readonly buffer: SharedArrayBuffer;
	private readonly view: Float64Array;

	constructor(readonly workers: number, buffer?: SharedArrayBuffer) {
		this.buffer = buffer ?? new SharedArrayBuffer(workers * width * Float64Array.BYTES_PER_ELEMENT);
		this.view = new Float64Array(this.buffer);
	}

	add(worker: number, field: Exclude<Field, 'state' | 'backoffUntil' | 'inFlight'>, amount: number) {
		this.view[worker * width + offset[field]] += amount;
	}

	setInFlight(worker: number, rows: number) {
		this.view[worker * width + offset.inFlight] = rows;
	}

	setState(worker: number, state: WorkerState) {
		this.view[worker * width + offset.state] = workerStates.indexOf(state);
	}

	read(worker: number): WorkerProgress {
		const at = (field: Field) => this.view[worker * width + offset[field]]!;
		return {
			records: at('records'),
			failed: at('failed'),
			retries: at('retries'),
			bytes: at('bytes'),
			state: workerStates[at('state')] ?? 'idle',
			deletes: at('deletes'),
			batches: at('batches'),
			inFlight: at('inFlight'),
		};
	}

	all(): WorkerProgress[] {
		return Array.from({length: this.workers}, (_, index) => this.read(index));
	}

	/** Across the workers: retries so far, and rows of bulk loads under way. */
	sums(workers = this.all()): {retries: number; inFlight: number} {
		return {
			retries: workers.reduce((sum, worker) => sum + worker.retries, 0),
			inFlight: workers.reduce((sum, worker) => sum + worker.inFlight, 0),
		};
	}
}
