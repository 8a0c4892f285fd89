import {describe, expect, it} from 'vitest';
import {SharedConcurrency} from '../../source/engine/concurrency.js';

describe('shared concurrency (AIMD)', () => {
	it('halves under throttling, at most once a second, and grows back after clean calls', () => {
		const concurrency = new SharedConcurrency(8);
		expect(concurrency.limit).toBe(8);
		concurrency.throttled(1_000_000);
		expect(concurrency.limit).toBe(4);
		concurrency.throttled(1_000_500); // Same second: one cut per burst.
		expect(concurrency.limit).toBe(4);
		concurrency.throttled(1_001_000);
		concurrency.throttled(1_002_000);
		concurrency.throttled(1_003_000);
		expect(concurrency.limit).toBe(1); // Never below one.
		for (let call = 0; call < 19; call++) concurrency.succeeded();
		expect(concurrency.limit).toBe(1);
		concurrency.succeeded();
		expect(concurrency.limit).toBe(2);
		for (let call = 0; call < 20 * 20; call++) concurrency.succeeded();
		expect(concurrency.limit).toBe(8); // Never above the maximum.
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
