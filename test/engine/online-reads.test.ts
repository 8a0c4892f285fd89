import {writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, describe, expect, it} from 'vitest';
import type {FeatureGroup} from '../../source/core/types.js';
import {readSnapshotRows} from '../../source/engine/source.js';
import type {BatchGetResult, Store} from '../../source/stores/store.js';
import {tempDir} from '../helpers/temp.js';

const temp = tempDir('fs-online-reads-');
afterAll(() => temp.remove());

const group = {FeatureGroupName: 'g', RecordIdentifierFeatureName: 'id', EventTimeFeatureName: 't', FeatureDefinitions: []} as unknown as FeatureGroup;
const ids = Array.from({length: 250}, (_, i) => `id-${i}`);
const idsFile = path.join(temp.dir, 'ids.txt');
writeFileSync(idsFile, ids.map(id => `${JSON.stringify(id)}\n`).join(''));

/** A store whose BatchGetRecord answers in reverse order and puts some identifiers off once. */
function store(answer: (asked: string[], call: number) => Partial<BatchGetResult>): Store {
	let calls = 0;
	return {
		limits: {batchWrite: 25, batchGet: 100, concurrentWrites: true},
		async batchGet(_name: string, asked: string[]): Promise<BatchGetResult> {
			const {records, errors = [], unprocessed = []} = answer(asked, calls++);
			return {records: records ?? [...asked].reverse().map(id => ({RecordIdentifier: id, Record: {id, t: '1'}})), errors, unprocessed};
		},
	} as unknown as Store;
}

async function read(source: Store): Promise<string[]> {
	const rows: string[] = [];
	for await (const batch of readSnapshotRows(source, group, {kind: 'online', idsFile, rows: ids.length})) rows.push(...batch.map(row => row.record['id'] as string));
	return rows;
}

describe('reading an identifier list (online-only sources)', () => {
	it('hands out the rows in the list\'s order, whatever order the store answers in, after unprocessed and throttled identifiers', async () => {
		const seen = new Set<string>();
		const rows = await read(store(asked => {
			const first = asked.filter(id => !seen.has(id));
			for (const id of asked) seen.add(id);
			const [unprocessed, throttled] = [first.slice(0, 3), first.slice(3, 5)];
			const served = asked.filter(id => !unprocessed.includes(id) && !throttled.includes(id)).reverse();
			return {
				records: served.map(id => ({RecordIdentifier: id, Record: {id, t: '1'}})),
				unprocessed,
				errors: throttled.map(id => ({RecordIdentifier: id, ErrorCode: 'ThrottlingException', ErrorMessage: 'slow down'})),
			};
		}));
		expect(rows).toEqual(ids);
	});

	it('stops with the identifiers the store refused, instead of leaving them out', async () => {
		const refusing = store(asked => (asked.includes('id-120') ? {errors: [{RecordIdentifier: 'id-120', ErrorCode: 'ValidationError', ErrorMessage: 'bad identifier'}]} : {}));
		await expect(read(refusing)).rejects.toThrow('BatchGetRecord refused 1 identifiers of g: id-120 (ValidationError: bad identifier)');
	});
});
