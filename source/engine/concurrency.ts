/**
 * Concurrency shared by all workers, in shared memory: how many write calls
 * may be in flight. Cut by a quarter under throttling (at most once a
 * second), raised by one after `limit` clean calls (AIMD, as TCP does): it
 * backs off under sustained throttling and recovers after, while a share of
 * random refusals (faults, not load) does not drive it down to one.
 */
const LIMIT = 0;
const IN_FLIGHT = 1;
const STREAK = 2;
const LAST_CUT = 3; // Seconds since the epoch, of the last halving.

export class SharedConcurrency {
	readonly buffer: SharedArrayBuffer;
	private readonly view: Int32Array;

	constructor(readonly max: number, buffer?: SharedArrayBuffer) {
		this.buffer = buffer ?? new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT);
		this.view = new Int32Array(this.buffer);
		if (!buffer) Atomics.store(this.view, LIMIT, max);
	}

	get limit(): number {
		return Atomics.load(this.view, LIMIT);
	}

	/** Wait for a slot; returns a function that gives it back. */
	async acquire(): Promise<() => void> {
		for (let wait = 2; ; wait = Math.min(wait * 2, 50)) {
			const inFlight = Atomics.load(this.view, IN_FLIGHT);
			if (inFlight < Atomics.load(this.view, LIMIT) && Atomics.compareExchange(this.view, IN_FLIGHT, inFlight, inFlight + 1) === inFlight) {
				return () => Atomics.sub(this.view, IN_FLIGHT, 1);
			}

			await new Promise(resolve => setTimeout(resolve, wait));
		}
	}

	throttled(now = Date.now()) {
		const second = Math.floor(now / 1000);
		const last = Atomics.load(this.view, LAST_CUT);
		if (second > last && Atomics.compareExchange(this.view, LAST_CUT, last, second) === last) {
			const limit = Atomics.load(this.view, LIMIT);
			Atomics.store(this.view, LIMIT, Math.max(1, Math.floor(limit * 3 / 4)));
		}
	}

	succeeded() {
		const limit = Atomics.load(this.view, LIMIT);
		if (Atomics.add(this.view, STREAK, 1) + 1 >= limit) {
			Atomics.store(this.view, STREAK, 0);
			if (limit < this.max) Atomics.compareExchange(this.view, LIMIT, limit, limit + 1);
		}
	}
}
