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

/**
 * A write rate shared by all workers (--max-write-rate), in shared memory:
 * the time from which the next write may start. Taking n units moves it on
 * by n / rate seconds and waits until the taker's own start (a virtual
 * schedule, as GCRA keeps one): the writes of every worker together start at
 * no more than the rate, with no burst past it, however the workers take
 * turns. Throttling still cuts the calls in flight below it (SharedConcurrency).
 */
export class SharedRate {
	readonly buffer: SharedArrayBuffer;
	private readonly next: BigInt64Array;

	constructor(readonly perSecond: number, buffer?: SharedArrayBuffer) {
		this.buffer = buffer ?? new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
		this.next = new BigInt64Array(this.buffer);
	}

	/** Wait for the turn of `units` (records or write units) to start; returns the milliseconds waited. */
	async take(units: number, now = () => Date.now()): Promise<number> {
		const cost = BigInt(Math.ceil(units * 1000 / this.perSecond * 1000));
		for (;;) {
			// Microseconds, from a clock every thread reads alike.
			const at = BigInt(now()) * 1000n;
			const next = Atomics.load(this.next, 0);
			const start = next > at ? next : at;
			if (Atomics.compareExchange(this.next, 0, next, start + cost) !== next) continue;
			const wait = Number(start - at) / 1000;
			if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait));
			return wait;
		}
	}
}
