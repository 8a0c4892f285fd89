import {readdirSync, writeFileSync, mkdirSync} from 'node:fs';
import path from 'node:path';
import {pathToFileURL} from 'node:url';
import {Worker} from 'node:worker_threads';
import {DuckDBInstance} from '@duckdb/node-api';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {s3Path} from '../../source/stores/local/layout.js';
import {fsWith, root} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';
import {at, groupInput, rec} from './contract.js';

describe('local store on disk', () => {
	const temp = tempDir();
	const dir = path.join(temp.dir, 'store');
	let store: LocalStore;
	beforeAll(async () => {
		store = new LocalStore(dir);
		await store.createFeatureGroup(groupInput('layout'));
		await store.batchWrite([
			{FeatureGroupName: 'layout', Record: rec('a', 1, {n: '9223372036854775807', x: '0.25'})},
			{FeatureGroupName: 'layout', Record: {id: 'b', event_time: '2024-03-05T17:45:00.123Z'}},
		]);
		await store.flush('layout');
	});
	afterAll(async () => {
		await store.close();
		temp.remove();
	});

	it('writes Parquet in SageMaker\'s S3 layout, partitioned by event-time hour', () => {
		const {dir: data, files} = store.offlineFiles('layout');
		expect(data.startsWith(path.join(dir, 's3', 'contract-bucket', 'fs', '000000000000', 'sagemaker', 'us-east-1', 'offline-store'))).toBe(true);
		expect(data).toMatch(/offline-store\/layout-\d+\/data$/);
		expect(files.sort()).toEqual([
			expect.stringMatching(/^year=2024\/month=01\/day=01\/hour=00\/\d{8}T\d{6}Z_[A-Za-z0-9]{16}\.parquet$/),
			expect.stringMatching(/^year=2024\/month=03\/day=05\/hour=17\/\d{8}T\d{6}Z_[A-Za-z0-9]{16}\.parquet$/),
		]);
	});

	it('writes typed Parquet that any DuckDB reads: BIGINT exact, metadata columns', async () => {
		const {dir: data} = store.offlineFiles('layout');
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${data}/**/*.parquet', hive_partitioning = false)`);
		const types = Object.fromEntries(reader.getRowObjects().map(row => [row['column_name'], row['column_type']]));
		expect(types).toEqual({id: 'VARCHAR', event_time: 'VARCHAR', n: 'BIGINT', x: 'DOUBLE', label: 'VARCHAR', write_time: 'TIMESTAMP', api_invocation_time: 'TIMESTAMP', is_deleted: 'BOOLEAN'});
		const values = await connection.runAndReadAll(`SELECT n FROM read_parquet('${data}/**/*.parquet') WHERE id = 'a'`);
		expect(values.getRows()[0]![0]).toBe(9223372036854775807n);
		connection.closeSync();
	});

	it('refuses a delete whose identifier is not valid Unicode: its marker could never be written to Parquet', async () => {
		await expect(store.deleteRecord({FeatureGroupName: 'layout', RecordIdentifier: 'a\ud800', EventTime: '2024-06-01T00:00:00Z'})).rejects.toMatchObject({
			kind: 'usage', message: 'DeleteRecord: the record identifier "a\\ud800" is not valid Unicode: a lone surrogate at character 2.',
		});
	});

	it('clears a group\'s online store in one step exactly as identifier by identifier HardDeletes do', async () => {
		const {clearOnline} = await import('../../source/engine/clear.js');
		const contents = async (name: string) => {
			const listed: string[] = [];
			for await (const page of store.listRecordIdentifiers(name, {includeSoftDeleted: true})) listed.push(...page);
			return {listed, offline: await store.countOffline(name, {mode: 'history'}), other: await store.getRecord('layout', 'a')};
		};

		for (const name of ['one-step', 'one-by-one']) {
			await store.createFeatureGroup(groupInput(name));
			await store.batchWrite(['a', 'b', 'c'].map(id => ({FeatureGroupName: name, Record: rec(id, 1)})));
			await store.deleteRecord({FeatureGroupName: name, RecordIdentifier: 'c', EventTime: at(2)});
		}

		// The same store without its one-step clear: ListRecords + DeleteRecord, as for the service.
		const oneByOne = Object.assign(Object.create(store) as LocalStore, {clearOnlineStore: undefined});
		const oneStepCount = await clearOnline(store, await store.describeFeatureGroup('one-step'));
		const oneByOneCount = await clearOnline(oneByOne, await store.describeFeatureGroup('one-by-one'));
		expect(oneStepCount).toBe(3);
		expect(oneByOneCount).toBe(3);
		const cleared = await contents('one-step');
		expect(cleared).toEqual(await contents('one-by-one'));
		// Nothing online, no delete markers offline (3 puts and the SoftDelete's marker), other groups untouched.
		expect(cleared).toEqual({listed: [], offline: 4, other: expect.objectContaining({id: 'a'})});
	});

	it('maps S3 URIs into its own S3 directory only', () => {
		expect(s3Path(dir, 's3://bucket/a/b/')).toBe(path.join(dir, 's3', 'bucket', 'a', 'b'));
		expect(s3Path(dir, 's3://bucket/v1..v2')).toBe(path.join(dir, 's3', 'bucket', 'v1..v2'));
		// Another bucket's files, the store's own files, or outside the store: a group made before such URIs were refused may name them.
		for (const uri of ['s3://bucket/a/../../x', 's3://bucket/../../s3x', 's3://bucket/../../../outside', 's3://../x', 's3://bucket/./a', 's3://./']) {
			expect(() => s3Path(dir, uri), uri).toThrow(/does not name a place in the store's S3/);
		}
	});

	it('refuses to turn a directory that holds other files into a store', () => {
		const other = path.join(temp.dir, 'other');
		mkdirSync(other);
		writeFileSync(path.join(other, 'notes.txt'), 'mine');
		expect(() => new LocalStore(other)).toThrow(/not an fs local store/);
	});
});

describe('local store shared by several processes and worker threads', () => {
	const temp = tempDir();
	const dir = path.join(temp.dir, 'shared');
	const fs = fsWith(`local:${dir}`);
	const perWriter = 2000;
	afterAll(() => temp.remove());

	it('loses and corrupts nothing when processes and threads write at once', async () => {
		const setup = new LocalStore(dir);
		await setup.createFeatureGroup(groupInput('shared'));
		await setup.close();
		const files = [0, 1, 2].map(writer => {
			const file = path.join(temp.dir, `w${writer}.json`);
			const records = Array.from({length: perWriter}, (_, i) => rec(`p${writer}-${i}`, i % 50, {n: String(i)}));
			writeFileSync(file, JSON.stringify(records));
			return file;
		});
		const workerCode = `
			import {workerData, parentPort} from 'node:worker_threads';
			const {LocalStore} = await import(${JSON.stringify(pathToFileURL(path.join(root, 'dist/source/stores/local/index.js')).href)});
			const store = new LocalStore(workerData.dir);
			let written = 0;
			for (let start = 0; start < workerData.count; start += 25) {
				const entries = [];
				for (let i = start; i < Math.min(start + 25, workerData.count); i++) {
					entries.push({FeatureGroupName: 'shared', Record: {id: 't' + workerData.worker + '-' + i, event_time: '2024-01-01T00:00:00Z', n: String(i)}});
				}
				let pending = entries;
				while (pending.length) {
					const result = await store.batchWrite(pending);
					if (result.errors.length) throw new Error(JSON.stringify(result.errors[0]));
					written += pending.length - result.unprocessed.length;
					pending = result.unprocessed.map(index => pending[index]);
				}
			}
			await store.close();
			parentPort.postMessage(written);
		`;
		const threads = [0, 1].map(worker => new Promise<number>((resolve, reject) => {
			const thread = new Worker(new URL(`data:text/javascript,${encodeURIComponent(workerCode)}`), {workerData: {dir, worker, count: perWriter}});
			thread.on('message', resolve);
			thread.on('error', reject);
		}));
		const processes = files.map(file => fs(['bulk-put', 'shared', file, '--max-workers', '4']));
		// A reader at the same time: it must see a consistent store, never an error.
		const reader = fs(['export', 'shared', path.join(temp.dir, 'during.csv')]);
		const [results, written, read] = await Promise.all([Promise.all(processes), Promise.all(threads), reader]);
		for (const result of results) expect(result.stderr).toContain(`Put ${perWriter.toLocaleString('en-US')} of`);
		expect(results.map(result => result.code)).toEqual([0, 0, 0]);
		expect(written).toEqual([perWriter, perWriter]);
		expect(read.code).toBe(0);

		const check = new LocalStore(dir);
		const ids = new Set<string>();
		for await (const page of check.listRecordIdentifiers('shared')) for (const id of page) ids.add(id);
		expect(ids.size).toBe(5 * perWriter);
		expect(await check.countOffline('shared', {mode: 'history'})).toBe(5 * perWriter);
		expect(await check.countOffline('shared', {mode: 'snapshot'})).toBe(5 * perWriter);
		await check.close();
		expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
	});
});

describe('ordered reads of a large offline store', () => {
	const temp = tempDir();
	afterAll(() => temp.remove());

	it('reads in bounded passes: every row once, identifiers together, event-time order, same order every time', async () => {
		// 7 rows a pass over 60 rows: about 9 passes.
		const store = new LocalStore(path.join(temp.dir, 'store'), {rowsPerPass: 7});
		await store.createFeatureGroup(groupInput('passes'));
		const records = [];
		for (let version = 4; version >= 0; version--) for (let id = 0; id < 12; id++) records.push({FeatureGroupName: 'passes', Record: rec(`id${id}`, version * 10 + id)});
		for (let start = 0; start < records.length; start += 25) await store.batchWrite(records.slice(start, start + 25));
		const read = async (limit?: number) => {
			const out: Array<[string, string]> = [];
			for await (const batch of store.readOffline('passes', {mode: 'history', columns: ['id', 'event_time'], limit})) {
				for (let row = 0; row < batch.length; row++) out.push([batch.columns[0]![row] as string, batch.columns[1]![row] as string]);
			}

			return out;
		};

		const first = await read();
		expect(first).toHaveLength(60);
		expect(new Set(first.map(row => row.join())).size).toBe(60);
		const seen = new Set<string>();
		for (const [index, [id, time]] of first.entries()) {
			const previous = first[index - 1];
			if (previous?.[0] === id) expect(time > previous[1]).toBe(true);
			else {
				expect(seen.has(id)).toBe(false); // An identifier's rows are never split.
				seen.add(id);
			}
		}

		expect(await read()).toEqual(first);
		expect(await read(23)).toEqual(first.slice(0, 23));
		const snapshot = [];
		for await (const batch of store.readOffline('passes', {mode: 'snapshot', columns: ['id', 'event_time']})) snapshot.push(...batch.columns[1]!);
		expect(snapshot).toHaveLength(12);
		expect(snapshot.every(time => (time as string) >= at(40))).toBe(true);
		await store.close();
	});
});

describe('deleting a feature group', () => {
	it('is Deleting for the store\'s create delay, then gone; its online records go at once', async () => {
		const temp = tempDir();
		const store = new LocalStore(path.join(temp.dir, 'store'), {createDelayMs: 400});
		try {
			await store.createFeatureGroup(groupInput('going'), 0);
			expect((await store.batchWrite([{FeatureGroupName: 'going', Record: rec('a', 1)}])).errors).toEqual([]);
			await store.deleteFeatureGroup('going');
			expect((await store.describeFeatureGroup('going')).FeatureGroupStatus).toBe('Deleting');
			expect((await store.listFeatureGroups()).map(group => [group.FeatureGroupName, group.FeatureGroupStatus])).toEqual([['going', 'Deleting']]);
			expect(await store.countOnline('going')).toBe(0);
			await new Promise(resolve => setTimeout(resolve, 450));
			await expect(store.describeFeatureGroup('going')).rejects.toMatchObject({code: 'ResourceNotFound'});
			expect(await store.listFeatureGroups()).toEqual([]);
		} finally {
			await store.close();
			temp.remove();
		}
	});
});
