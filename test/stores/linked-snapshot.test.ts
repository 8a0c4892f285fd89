/**
 * A whole history in large files is snapshotted by linking the group's own
 * Parquet files (no copy); loaded range by range with its winners it must
 * leave a target exactly as the sorted replay record by record does, even
 * after the source's files are gone.
 */
import {rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {wireRows} from '../../source/engine/source.js';
import {LocalStore} from '../../source/stores/local/index.js';
import type {OfflineSnapshot, WriteEntry} from '../../source/stores/store.js';
import {bulkGroup, loadRanges} from '../helpers/bulk.js';
import {largeHistoryIds, writeLargeHistory} from '../helpers/large-history.js';
import {storeContents} from '../helpers/contents.js';
import {tempDir} from '../helpers/temp.js';

const ids = largeHistoryIds;

let temp: ReturnType<typeof tempDir>;
let store: LocalStore;

/** The reference: the sorted snapshot replayed record by record, in order. */
async function replaySorted(target: string) {
	const snapshot = await store.snapshotOffline('source', {mode: 'history', includeMetadata: true}, path.join(temp.dir, 'sorted'));
	const source = await store.describeFeatureGroup('source');
	let puts: WriteEntry[] = [];
	const flush = async () => {
		if (puts.length > 0) expect((await store.batchWrite(puts)).errors).toEqual([]);
		puts = [];
	};

	for await (const batch of store.readSnapshot(snapshot)) {
		for (const row of wireRows(batch, source)) {
			if (row.deleted) {
				await flush();
				await store.deleteRecord({FeatureGroupName: target, RecordIdentifier: row.record['id'] as string, EventTime: row.record['event_time'] as string, DeletionMode: 'SoftDelete'});
				continue;
			}

			puts.push({FeatureGroupName: target, Record: row.record});
			if (puts.length === 25) await flush();
		}
	}

	await flush();
}

const contents = async (target: string) => storeContents(store, target);

beforeAll(async () => {
	temp = tempDir();
	store = new LocalStore(path.join(temp.dir, 'store'));
	for (const name of ['source', 'sorted', 'linked']) await store.createFeatureGroup(bulkGroup(name, 'linked-test'));
	await writeLargeHistory(store.offlineFiles('source').dir, {fractional: true, tail: true});
	await replaySorted('sorted');
}, 60_000);

afterAll(async () => {
	await store.close();
	temp.remove();
});

describe('linked snapshot', () => {
	it('links the files, deals their row groups to parts, and loads them as the sorted replay, after the source is gone', async () => {
		const dir = path.join(temp.dir, 'linked-snapshot');
		const snapshot: OfflineSnapshot = await store.snapshotOffline('source', {mode: 'history', includeMetadata: true, parts: 2, unordered: true}, dir);
		expect(snapshot.rows).toBe(108_000);
		expect(snapshot.files.map(file => path.relative(dir, file))).toEqual(['source-00000.parquet', 'source-00001.parquet', 'source-00002.parquet']);
		for (const file of snapshot.files) expect(statSync(file).nlink).toBe(2);
		const parts = snapshot.parts!;
		// Row groups joined up to a load's rows, never split (DuckDB rounds 10,000-row groups to 10,240):
		// each small file one range, the third file two; dealt to the part with the fewest rows.
		expect(parts.map(({first, count, part, base}) => ({first, count, part, base}))).toEqual([
			{first: 0, count: 24_000, part: 0, base: 0},
			{first: 0, count: 24_000, part: 1, base: 2 ** 32},
			{first: 0, count: 40_960, part: 0, base: 2 ** 33},
			{first: 40_960, count: 19_040, part: 1, base: 2 ** 33},
		]);
		expect(parts.reduce((sum, range) => sum + range.count, 0)).toBe(108_000);
		for (const file of snapshot.files) {
			let next = 0;
			for (const range of parts.filter(range => range.file === file)) {
				expect(range.first).toBe(next);
				next += range.count;
			}

			expect(next).toBe(file.endsWith('00002.parquet') ? 60_000 : 24_000);
		}

		// The group's files go (a clear, say): the snapshot still holds its rows.
		rmSync(store.offlineFiles('source').dir, {recursive: true, force: true});
		expect(await loadRanges(store, 'linked', parts, 15_000)).toBe(108_000);

		const expected = await contents('sorted');
		expect(Object.keys(expected.online)).toHaveLength(ids);
		// The ties went both ways, and some identifiers end deleted.
		expect(Object.values(expected.online).filter(record => typeof record === 'object' && String(record['label']).startsWith('a-')).length).toBeGreaterThan(0);
		expect(Object.values(expected.online).filter(record => record === 'deleted').length).toBeGreaterThan(0);
		// Exact copies in a later file lose to the first file's rows; its history never wins.
		expect(Object.values(expected.online).filter(record => typeof record === 'object' && String(record['label']).startsWith('c-'))).toEqual([]);
		const linked = await contents('linked');
		expect(linked.offline).toHaveLength(108_000);
		expect(linked).toEqual(expected);
	});
});
