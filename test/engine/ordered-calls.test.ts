import {describe, expect, it} from 'vitest';
import {OrderedCalls, type CallRules} from '../../source/engine/ordered-calls.js';

/** A put of `id` at event time `time`, or a delete; `n` tells versions apart. */
interface Item {
	id: string;
	time: number;
	n: number;
	delete?: boolean;
	offlineOnly?: boolean;
}

/** A seeded stream of numbers in [0, 1). */
function random(seed: number) {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
		return state / 2_147_483_648;
	};
}

const tick = async (ms = 0) => new Promise(resolve => setTimeout(resolve, ms));

/**
 * An online store with the service's rule (a put replaces the record only
 * with a later event time; a delete at a time not earlier removes it) and
 * the items applied, in order.
 */
class Online {
	readonly records = new Map<string, Item | {deletedAt: number}>();
	readonly applied: Item[] = [];

	apply(item: Item) {
		this.applied.push(item);
		if (item.offlineOnly) return;
		const held = this.records.get(item.id);
		const heldTime = held === undefined ? -Infinity : 'deletedAt' in held ? held.deletedAt : held.time;
		if (item.delete) {
			if (item.time >= heldTime) this.records.set(item.id, {deletedAt: item.time});
		} else if (item.time > heldTime) {
			this.records.set(item.id, item);
		}
	}
}

const rulesFor = (send: (items: Item[]) => Promise<void>, limit = 5, calls = 3): CallRules<Item> => ({
	limit,
	calls,
	idOf: item => item.id,
	alone: item => item.delete === true,
	commutes: (earlier, later) => earlier.offlineOnly === true || later.offlineOnly === true || earlier.time !== later.time,
	send,
});

describe('ordered calls (several BatchWriteRecord calls of one writer in flight)', () => {
	it('ends as one call after another would, with entries handed back unprocessed and calls ending in any order', async () => {
		for (const seed of [1, 2, 3, 4, 5]) {
			const next = random(seed);
			// 40 identifiers, up to 6 versions each over 3 event times (many ties), some deletes and offline-only rows.
			const items: Item[] = [];
			for (let n = 0; n < 400; n++) {
				const roll = next();
				items.push({id: `id-${Math.floor(next() * 40)}`, time: Math.floor(next() * 3), n, ...(roll < 0.05 ? {delete: true} : roll < 0.15 ? {offlineOnly: true} : {})});
			}

			const expected = new Online();
			for (const item of items) expected.apply(item);

			const online = new Online();
			let inFlight = 0;
			let peak = 0;
			const calls = new OrderedCalls<Item>(rulesFor(async call => {
				inFlight++;
				peak = Math.max(peak, inFlight);
				// A call's entries are written in any order; each try leaves a third unprocessed, sent again after a while.
				let pending = [...call];
				while (pending.length > 0) {
					await tick(next() * 3);
					const shuffled = pending.map(item => ({item, key: next()})).sort((a, b) => a.key - b.key).map(({item}) => item);
					pending = [];
					for (const item of shuffled) {
						if (next() < 0.33) pending.push(item);
						else online.apply(item);
					}
				}

				inFlight--;
			}));
			// Batches of 50 handed over while the ones before are still being written.
			await Promise.all(Array.from({length: 8}, async (_, batch) => calls.add(items.slice(batch * 50, batch * 50 + 50))));
			expect(online.applied).toHaveLength(items.length);
			expect(new Set(online.applied).size).toBe(items.length);
			expect(online.records).toEqual(expected.records);
			expect(peak).toBe(3);
		}
	});

	it('never puts two entries of an identifier that do not commute in one call, nor sends the later before the earlier\'s call ended', async () => {
		const sent: Item[][] = [];
		const ended = new Set<Item>();
		const calls = new OrderedCalls<Item>(rulesFor(async call => {
			sent.push(call);
			await tick(1);
			for (const item of call) ended.add(item);
		}));
		const order: Item[] = [];
		const item = (id: string, time: number, more: Partial<Item> = {}) => {
			const made = {id, time, n: order.length, ...more};
			order.push(made);
			return made;
		};

		await calls.add([
			item('a', 1), item('a', 1), item('a', 2), item('b', 5), item('a', 2, {offlineOnly: true}),
			item('b', 5), item('c', 1), item('b', 6, {delete: true}), item('b', 7), item('a', 3),
		]);
		for (const call of sent) {
			expect(call.length).toBeLessThanOrEqual(5);
			if (call.some(entry => entry.delete)) expect(call).toHaveLength(1);
		}

		// Each entry's call came after the calls of every earlier entry it does not commute with.
		const callOf = new Map(sent.flatMap((call, index) => call.map(entry => [entry, index] as const)));
		for (const [index, later] of order.entries()) {
			for (const earlier of order.slice(0, index)) {
				if (earlier.id !== later.id) continue;
				const commute = !earlier.delete && !later.delete && (earlier.offlineOnly === true || later.offlineOnly === true || earlier.time !== later.time);
				if (!commute) expect(callOf.get(later)!).toBeGreaterThan(callOf.get(earlier)!);
			}
		}

		// What may go together does: the first call holds a:1, a:2 (twice), b:5 and c:1.
		expect(sent[0]!.map(entry => entry.n)).toEqual([0, 2, 3, 4, 6]);
		expect(ended.size).toBe(order.length);
	});

	it('fills calls up to the limit and sends at most `calls` at once, earliest batch first', async () => {
		const sent: number[][] = [];
		let release = () => undefined as void;
		const gate = new Promise<void>(resolve => {
			release = resolve;
		});
		const calls = new OrderedCalls<Item>(rulesFor(async call => {
			sent.push(call.map(item => item.n));
			await gate;
		}, 25, 2));
		const batch = (from: number) => Array.from({length: 50}, (_, i) => ({id: `id-${from + i}`, time: 0, n: from + i}));
		const first = calls.add(batch(0));
		const second = calls.add(batch(50));
		await tick();
		expect(sent.map(call => call.length)).toEqual([25, 25]);
		expect(calls.calls).toBe(2);
		release();
		await Promise.all([first, second]);
		expect(sent.map(call => call[0])).toEqual([0, 25, 50, 75]);
	});

	it('after a call fails outright sends nothing more, and fails the batches not written whole once no call is in flight', async () => {
		const events: string[] = [];
		const calls = new OrderedCalls<Item>(rulesFor(async call => {
			events.push(`send ${call.map(item => item.n).join(',')}`);
			if (call.some(item => item.n === 0)) {
				await tick(1);
				throw new Error('refused');
			}

			await tick(20);
			events.push(`end ${call.map(item => item.n).join(',')}`);
		}, 1, 2));
		const versions = (id: string, from: number) => [0, 1].map(k => ({id, time: 0, n: from + k}));
		const first = calls.add(versions('a', 0));
		const second = calls.add(versions('b', 2));
		const settled = Promise.allSettled([first, second]).then(results => {
			events.push('settled');
			return results;
		});
		const [one, two] = await settled;
		expect(one.status).toBe('rejected');
		expect(two.status).toBe('rejected');
		// b's first version was in flight when a's failed: it ends before the batches fail, and b's second is never sent.
		expect(events).toEqual(['send 0', 'send 2', 'end 2', 'settled']);
		await expect(calls.add(versions('c', 4))).rejects.toThrow('refused');
		expect(events).not.toContain('send 4');
	});

	it('resolves an empty batch at once', async () => {
		const calls = new OrderedCalls<Item>(rulesFor(async () => undefined));
		await expect(calls.add([])).resolves.toBeUndefined();
	});
});
