/**
 * The write calls of one writer into a store that takes several at once (the
 * service), kept in flight together without changing what the store ends
 * with.
 *
 * Two writes of one identifier end the same in either order when the online
 * store's rule decides between them whatever the order: two puts with
 * different event times (the later time wins), or a put that goes to the
 * offline store only. Two puts with one event time do not (the first written
 * stays online), nor does anything with a delete. Writes that do not commute
 * never share a call (a call's entries may be written in any order, and one
 * may come back unprocessed while the other is written), and the later is
 * sent only when the call holding the earlier has ended: written, or failed
 * for good after its retries. Everything else goes out as soon as a call has
 * room, earliest first, across the batches handed in.
 */

export interface CallRules<T> {
	/** Entries a call. */
	limit: number;
	/** Calls of this writer in flight at once. */
	calls: number;
	idOf(item: T): unknown;
	/** Whether `later` may be written before `earlier` (same identifier) and the store end the same. */
	commutes(earlier: T, later: T): boolean;
	/** Whether the item is a call of its own (a DeleteRecord). */
	alone(item: T): boolean;
	/** Write one call; throws when it failed outright, and then nothing more is sent. */
	send(items: T[]): Promise<void>;
}

interface Group {
	left: number;
	resolve(): void;
	reject(error: unknown): void;
}

interface Entry<T> {
	item: T;
	id: unknown;
	order: number;
	group: Group;
	state: 'waiting' | 'ready' | 'sent';
}

export class OrderedCalls<T> {
	/** Per identifier, its entries not yet ended, in the order they were added. */
	private readonly live = new Map<unknown, Array<Entry<T>>>();
	private ready: Array<Entry<T>> = [];
	private sorted = true;
	private order = 0;
	private inFlight = 0;
	private failure: {error: unknown} | undefined;
	private readonly open = new Set<Group>();

	constructor(private readonly rules: CallRules<T>) {}

	/**
	 * Items written after every item added before them wherever the order
	 * matters. Resolves when each has been sent and its call has ended;
	 * rejects with the first outright failure of any call, once no call is in
	 * flight.
	 */
	async add(items: T[]): Promise<void> {
		return new Promise((resolve, reject) => {
			const group: Group = {left: items.length, resolve, reject};
			if (this.failure) {
				this.open.add(group);
				this.settle();
				return;
			}

			if (items.length === 0) {
				resolve();
				return;
			}

			this.open.add(group);
			for (const item of items) {
				const id = this.rules.idOf(item);
				const entry: Entry<T> = {item, id, order: this.order++, group, state: 'waiting'};
				let list = this.live.get(id);
				if (!list) {
					list = [];
					this.live.set(id, list);
				}

				list.push(entry);
				this.check(list, list.length - 1);
			}

			this.pump();
		});
	}

	/** Calls in flight now. */
	get calls(): number {
		return this.inFlight;
	}

	/** Makes the list's entry at `index` ready when nothing before it must be written first. */
	private check(list: Array<Entry<T>>, index: number) {
		const entry = list[index]!;
		if (entry.state !== 'waiting') return;
		const {alone, commutes} = this.rules;
		for (let earlier = 0; earlier < index; earlier++) {
			const other = list[earlier]!.item;
			if (alone(other) || alone(entry.item) || !commutes(other, entry.item)) return;
		}

		entry.state = 'ready';
		if (this.ready.length > 0 && this.ready.at(-1)!.order > entry.order) this.sorted = false;
		this.ready.push(entry);
	}

	private pump() {
		while (!this.failure && this.inFlight < this.rules.calls && this.ready.length > 0) {
			if (!this.sorted) {
				this.ready.sort((a, b) => a.order - b.order);
				this.sorted = true;
			}

			let call: Array<Entry<T>>;
			if (this.rules.alone(this.ready[0]!.item)) {
				call = this.ready.splice(0, 1);
			} else {
				call = [];
				const rest: Array<Entry<T>> = [];
				for (const entry of this.ready) {
					if (call.length < this.rules.limit && !this.rules.alone(entry.item)) call.push(entry);
					else rest.push(entry);
				}

				this.ready = rest;
			}

			for (const entry of call) entry.state = 'sent';
			this.inFlight++;
			void this.run(call);
		}
	}

	private async run(call: Array<Entry<T>>) {
		let failed = false;
		try {
			await this.rules.send(call.map(entry => entry.item));
		} catch (error) {
			failed = true;
			this.failure ??= {error};
		}

		this.inFlight--;
		const touched = new Set<Array<Entry<T>>>();
		for (const entry of call) {
			const list = this.live.get(entry.id)!;
			list.splice(list.indexOf(entry), 1);
			if (list.length === 0) this.live.delete(entry.id);
			else touched.add(list);
			if (failed) continue;
			if (--entry.group.left === 0) {
				this.open.delete(entry.group);
				entry.group.resolve();
			}
		}

		if (this.failure) {
			this.settle();
			return;
		}

		for (const list of touched) {
			for (let index = 0; index < list.length; index++) this.check(list, index);
		}

		this.pump();
	}

	/** After a failure, once no call is in flight: every batch not written whole fails with it. */
	private settle() {
		if (this.inFlight > 0 || !this.failure) return;
		const {error} = this.failure;
		for (const group of this.open) group.reject(error);
		this.open.clear();
		this.live.clear();
		this.ready = [];
	}
}
