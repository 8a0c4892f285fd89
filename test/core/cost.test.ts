/**
 * Write units and the write rate (core/cost.ts, engine/concurrency.ts), by
 * hand: a record's size is its feature names and values in UTF-8 bytes, a
 * write unit is a started KB (at least one), and the shared rate lets writes
 * start no faster than asked, whichever worker takes its turn.
 */
import {describe, expect, it} from 'vitest';
import {estimateCost, parseWriteRate, recordBytes, recordWriteUnits, writeUnitsOf} from '../../source/core/cost.js';
import {SharedRate} from '../../source/engine/concurrency.js';

describe('write units', () => {
	it('count feature names and values in UTF-8 bytes, in started KB, at least one', () => {
		// 'id' 2 + 'c1' 2 + 'event_time' 10 + 20 + 'tags' 4 + 'a' 1 + 'bc' 2 + 'name' 4 + 'é' 2 = 47
		expect(recordBytes({id: 'c1', event_time: '2024-01-01T00:00:00Z', tags: ['a', 'bc'], name: 'é'})).toBe(47);
		expect(writeUnitsOf(0)).toBe(1);
		expect(writeUnitsOf(1024)).toBe(1);
		expect(writeUnitsOf(1025)).toBe(2);
		// 2 + 2 + 1 + 2000 = 2005 bytes: 2 units.
		expect(recordWriteUnits({id: 'c1', p: 'x'.repeat(2000)})).toBe(2);
	});

	it('are estimated from a sample: exact when every record is in it, scaled otherwise; the time follows the rate', () => {
		// Three records of one unit, two of two: 7 units.
		const sizes = [100, 500, 1024, 1500, 2048];
		expect(estimateCost(5, sizes)).toEqual({writeUnits: 7, sampled: 5, averageBytes: 1034});
		// The same sample for 1,000 records: 1.4 units a record.
		expect(estimateCost(1000, sizes).writeUnits).toBe(1400);
		expect(estimateCost(5, sizes, {perSecond: 2, unit: 'write units'}).seconds).toBe(3.5);
		expect(estimateCost(5, sizes, {perSecond: 5, unit: 'records'}).seconds).toBe(1);
		expect(estimateCost(0, []).writeUnits).toBe(0);
		expect(estimateCost(10, []).writeUnits).toBe(10);
	});

	it('--max-write-rate takes records or write units per second, refusing the rest with an example', () => {
		expect(parseWriteRate('2000')).toEqual({perSecond: 2000, unit: 'records'});
		expect(parseWriteRate('500wu')).toEqual({perSecond: 500, unit: 'write units'});
		expect(parseWriteRate(' 0.5 WU ')).toEqual({perSecond: 0.5, unit: 'write units'});
		for (const bad of ['0', '-5', 'fast', '5 kb', '2000000']) expect(() => parseWriteRate(bad)).toThrow(/--max-write-rate must be/);
	});
});

describe('the shared write rate', () => {
	it('schedules each taker after the units before it, at the rate, on one clock', async () => {
		const rate = new SharedRate(1000);
		const at = () => 1_000_000;
		// 1,000 a second: 10 units take 10 ms of the schedule, 5 take 5.
		expect(await rate.take(10, at)).toBe(0);
		expect(await rate.take(10, at)).toBe(10);
		expect(await rate.take(5, at)).toBe(20);
		// A second view of the same memory (another worker) continues the schedule.
		const other = new SharedRate(1000, rate.buffer);
		expect(await other.take(1, at)).toBe(25);
		// Time that passed with nothing taken is not saved up: no burst after an idle spell.
		expect(await rate.take(1, () => 2_000_000)).toBe(0);
		expect(await rate.take(1, () => 2_000_000)).toBe(1);
	});
});
