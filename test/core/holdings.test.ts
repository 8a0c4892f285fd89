import {describe, expect, it} from 'vitest';
import {holdingsLines, type Plan} from '../../source/core/plan.js';
import {confirmationFor} from '../../source/migration/confirmation.js';

describe('the plan\'s lines on what the target holds', () => {
	const existing = (rows: number, skipped = true) => ({rows, engine: 'DuckDB' as const, seconds: 0.42, skipped});

	it('name the rows there already, and whether they are skipped or copied again', () => {
		expect(holdingsLines({offlineRows: 30_036, onlineRecords: 9956, existing: existing(30_036)}, 30_040)).toEqual([
			'Target holds: 30,036 offline rows · 9,956 online records',
			'Already in the target: 30,036 of the 30,040 rows (same identifier, event time and values; compared by DuckDB in 0.4s): skipped',
		]);
		expect(holdingsLines({offlineRows: 5, existing: existing(0)}, 12)[1]).toBe('Already in the target: none of the 12 rows (same identifier, event time and values; compared by DuckDB in 0.4s)');
		expect(holdingsLines({offlineRows: 5, existing: existing(5, false)}, 12)[1]).toMatch(/: copied again \(--no-skip-existing\)$/);
		expect(holdingsLines({}, 3)).toEqual(['Target holds: online records (not counted on the service)']);
		expect(holdingsLines({offlineRows: 7, onlineRecords: 2}, 3, true)).toEqual(['Target holds: 7 offline rows · 2 online records (deleted first)']);
	});

	it('fit 80 columns in the guided app\'s compact plan', () => {
		const lines = [
			...holdingsLines({offlineRows: 1_000_000_000, onlineRecords: 100_000_000, existing: {...existing(999_999_999, false), engine: 'Athena', seconds: 123.4}}, 1_000_000_000, false, true),
			...holdingsLines({offlineRows: 1_000_000_000, onlineRecords: 100_000_000}, 1_000_000_000, true, true),
		];
		expect(lines[1]).toBe('Already there: 999,999,999 of 1,000,000,000 (Athena, 123.4s): copied again');
		// The app draws a margin of one column.
		for (const line of lines) expect(line.length).toBeLessThanOrEqual(78);
	});
});

describe('the confirmation of a run into a target that holds rows', () => {
	const plan = (skipped: boolean) => ({
		target: 't', estimatedRecords: 10, clearTarget: false, compatibility: {actions: [], dataLoss: false},
		holdings: {offlineRows: 8, existing: {rows: 8, engine: 'DuckDB', seconds: 0.1, skipped}},
	}) as unknown as Plan;

	it('counts what will be written; copying the rows again takes the typed name', () => {
		expect(confirmationFor(plan(true))).toMatchObject({kind: 'yes-no', question: 'Migrate 2 records into t (8 already there are skipped)?'});
		expect(confirmationFor(plan(false))).toMatchObject({kind: 'type-name', name: 't', why: expect.stringContaining('it copies 8 rows t holds already again')});
	});
});
