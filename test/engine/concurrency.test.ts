import {describe, expect, it} from 'vitest';
import {SharedConcurrency} from '../../source/engine/concurrency.js';

describe('shared concurrency (AIMD)', () => {
	it('cuts by a quarter under throttling, at most once a second, and grows by one per `limit` clean calls', () => {
		const concurrency = new SharedConcurrency(8);
		expect(concurrency.limit).toBe(8);
		concurrency.throttled(1_000_000);
		expect(concurrency.limit).toBe(6);
		concurrency.throttled(1_000_500); // Same second: one cut per burst.
		expect(concurrency.limit).toBe(6);
		for (let second = 1; second <= 6; second++) concurrency.throttled(1_000_000 + second * 1000);
		expect(concurrency.limit).toBe(1); // 6, 4, 3, 2, 1, 1: never below one.
		concurrency.succeeded();
		expect(concurrency.limit).toBe(2);
		concurrency.succeeded();
		expect(concurrency.limit).toBe(2);
		concurrency.succeeded();
		expect(concurrency.limit).toBe(3);
		for (let call = 0; call < 100; call++) concurrency.succeeded();
		expect(concurrency.limit).toBe(8); // Never above the maximum.
	});

	it('keeps most of its concurrency under a steady share of random refusals', () => {
		const concurrency = new SharedConcurrency(8);
		let now = 1_000_000;
		// 40 calls a second, one in five refused, for a minute.
		for (let call = 0; call < 2400; call++) {
			now += 25;
			if (call % 5 === 0) concurrency.throttled(now);
			else concurrency.succeeded();
		}

		expect(concurrency.limit).toBeGreaterThanOrEqual(6);
	});

	it('is shared through its buffer and hands out at most `limit` slots', async () => {
		const one = new SharedConcurrency(2);
		const two = new SharedConcurrency(2, one.buffer);
		const first = await one.acquire();
		const second = await two.acquire();
		let third = false;
		const waiting = one.acquire().then(release => {
			third = true;
			return release;
		});
		await new Promise(resolve => setImmediate(resolve));
		expect(third).toBe(false);
		first();
		(await waiting)();
		expect(third).toBe(true);
		second();
	});
});
