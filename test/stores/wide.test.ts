/**
 * Wide records (8 KB each; SageMaker takes up to 350 KB a value) within
 * DuckDB's default memory limits: the offline store lands them and a
 * migration moves them. Before, both ran DuckDB out of memory (or crashed
 * it, or corrupted its spill files) at this size.
 */
import {existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import type {FeatureDefinition} from '../../source/core/types.js';
import {loadDuckDB, ownTempDir, sqlString} from '../../source/io/duckdb.js';
import {LocalStore} from '../../source/stores/local/index.js';
import {fsWith} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';

const features: FeatureDefinition[] = [
	{FeatureName: 'id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	...[1, 2, 3, 4].map(index => ({FeatureName: `text_${index}`, FeatureType: 'String' as const})),
	{FeatureName: 'n', FeatureType: 'Integral'},
];

const text = (index: number, row: number) => `${String.fromCodePoint(65 + index)}`.repeat(2000) + String(row);

let temp: ReturnType<typeof tempDir>;
const group = (name: string) => ({
	FeatureGroupName: name, RecordIdentifierFeatureName: 'id', EventTimeFeatureName: 'event_time', FeatureDefinitions: features,
	OnlineStoreConfig: {EnableOnlineStore: true}, OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://wide/fs'}},
});

beforeAll(() => {
	temp = tempDir();
});

afterAll(() => {
	temp.remove();
});

describe('wide records', () => {
	it('land in the offline store a pass at a time, each record parsed once', async () => {
		const store = new LocalStore(path.join(temp.dir, 'staged'));
		try {
			await store.createFeatureGroup(group('staged'));
			for (let first = 0; first < 6000; first += 25) {
				const entries = Array.from({length: 25}, (_, offset) => {
					const row = first + offset;
					return {FeatureGroupName: 'staged', Record: {id: `r${row}`, event_time: '2024-01-01T00:00:00Z', n: String(row), ...Object.fromEntries([1, 2, 3, 4].map(index => [`text_${index}`, text(index, row)]))}};
				});
				expect((await store.batchWrite(entries)).errors).toEqual([]);
			}

			expect(await store.countOffline('staged', {mode: 'history'})).toBe(6000);
			expect(await store.getRecord('staged', 'r5999')).toMatchObject({text_4: text(4, 5999), n: '5999'});
		} finally {
			await store.close();
		}
	}, 60_000);

	it('spill, each DuckDB into a directory of its own; those of processes gone (an hour untouched) are removed', () => {
		// Instances sharing one wrote temporary files of the same names over each other's: "Corrupt temporary file", or a crash.
		const parent = path.join(temp.dir, 'spill');
		const gone = path.join(parent, 'duckdb-999999999-1-0000');
		const mine = path.join(parent, `duckdb-${process.pid}-1-0000`);
		const recent = path.join(parent, 'duckdb-999999998-1-0000');
		for (const dir of [gone, mine, recent]) mkdirSync(dir, {recursive: true});
		const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
		for (const dir of [gone, mine]) utimesSync(dir, hoursAgo, hoursAgo);
		const first = ownTempDir(parent);
		const second = ownTempDir(parent);
		expect(first).not.toBe(second);
		expect(path.dirname(first)).toBe(parent);
		expect(existsSync(gone)).toBe(false);
		expect(existsSync(mine)).toBe(true);
		// Touched within the hour: its process may be one this one cannot see.
		expect(existsSync(recent)).toBe(true);
	});

	it('migrate in bulk loads sized by bytes', async () => {
		const dir = path.join(temp.dir, 'store');
		const store = new LocalStore(dir);
		await store.createFeatureGroup(group('wide'));
		await store.createFeatureGroup(group('wide-copy'));
		const {dir: data} = store.offlineFiles('wide');
		await store.close();
		const hour = path.join(data, 'year=2024', 'month=01', 'day=01', 'hour=00');
		mkdirSync(hour, {recursive: true});
		const {DuckDBInstance} = await loadDuckDB();
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		// Two versions of 20,000 identifiers, 8 KB a row (320 MB: more than the 256 MB DuckDB is given), in row groups of 2,048 rows (16 MB each).
		const texts = [1, 2, 3, 4].map(index => `repeat(chr(${64 + index}), 2000) || CAST(i AS VARCHAR) AS text_${index}`);
		await connection.run(`COPY (SELECT 'r' || (i % 20000) AS id, CASE WHEN i < 20000 THEN '2024-01-01T00:00:00Z' ELSE '2024-01-01T00:00:01Z' END AS event_time,
			${texts.join(', ')}, i AS n, TIMESTAMP '2024-01-02 00:00:00' AS write_time, TIMESTAMP '2024-01-02 00:00:00' AS api_invocation_time, false AS is_deleted
			FROM range(40000) t(i)) TO ${sqlString(path.join(hour, '20240102T000000Z_wide.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 2048)`);
		connection.closeSync();
		const fs = fsWith(`local:${dir}`, {FS_HOME: path.join(temp.dir, 'home')});
		const result = await fs(['migrate', 'wide', 'wide-copy', '--yes', '--json']);
		expect(result.stderr).not.toContain('✘');
		expect(result.code).toBe(0);
		expect(JSON.parse(result.stdout).result).toMatchObject({totals: {read: 40_000, written: 40_000, failed: 0}, verification: {offlineRows: {ok: true}, sample: {ok: true}}});
		const target = new LocalStore(dir);
		try {
			expect(await target.getRecord('wide-copy', 'r42')).toMatchObject({text_1: `${'A'.repeat(2000)}20042`, n: '20042'});
		} finally {
			await target.close();
		}
	}, 120_000);

	it('of 2,500 features (SageMaker\'s most) go through bulk-put, migrate (in bulk and record by record) and export at the default memory', async () => {
		// DuckDB holds a vector of 2,048 values per column in every chunk, whatever the rows:
		// at 2,500 columns every flush, load and read of 200 rows ran out of memory.
		const types = ['String', 'Integral', 'Fractional'] as const;
		const schema: FeatureDefinition[] = [
			{FeatureName: 'id', FeatureType: 'String'}, {FeatureName: 'event_time', FeatureType: 'String'},
			...Array.from({length: 2498}, (_, index) => ({FeatureName: `f${index}`, FeatureType: types[index % 3]!})),
		];
		const value = (row: number, index: number) => [`v${row}_${index}`, String(row * index), String(row + index / 8)][index % 3]!;
		const rows = 30;
		const records = Array.from({length: rows}, (_, row) => ({
			id: `r${row}`, event_time: `2024-01-01T0${row % 3}:00:00Z`, ...Object.fromEntries(Array.from({length: 2498}, (_, index) => [`f${index}`, value(row, index)])),
		}));
		const at = (name: string) => path.join(temp.dir, name);
		writeFileSync(at('wide-schema.json'), JSON.stringify(schema));
		// One feature cast on the way: that migration goes record by record.
		writeFileSync(at('wide-cast.json'), JSON.stringify(schema.map(feature => (feature.FeatureName === 'f1' ? {...feature, FeatureType: 'Fractional'} : feature))));
		writeFileSync(at('wide.json'), JSON.stringify(records));
		const fs = fsWith(`local:${at('widest')}`, {FS_HOME: at('widest-home'), FS_DUCKDB_MEMORY: undefined});
		for (const [name, file] of [['widest', 'wide-schema.json'], ['widest-copy', 'wide-schema.json'], ['widest-cast', 'wide-cast.json']] as const) {
			expect((await fs(['create', name, '--schema-file', at(file)])).code).toBe(0);
		}

		const put = await fs(['bulk-put', 'widest', at('wide.json')]);
		expect(put.stderr).toContain(`Put ${rows} of ${rows} records`);
		const exported = await fs(['export', 'widest', at('widest.csv')]);
		expect(exported.stderr).not.toContain('✘');
		const lines = readFileSync(at('widest.csv'), 'utf8').trim().split('\n');
		expect(lines).toHaveLength(rows + 1);
		expect(lines[0]!.split(',')).toHaveLength(2500);
		expect(lines).toContain([`r${rows - 1}`, records[rows - 1]!.event_time, ...Array.from({length: 2498}, (_, index) => value(rows - 1, index))].join(','));

		for (const target of ['widest-copy', 'widest-cast']) {
			const migrated = await fs(['migrate', 'widest', target, '--yes', '--json']);
			expect(migrated.stderr, target).not.toContain('✘');
			expect(migrated.code, target).toBe(0);
			expect(JSON.parse(migrated.stdout).result, target).toMatchObject({totals: {read: rows, written: rows, failed: 0}, verification: {offlineRows: {ok: true}, sample: {ok: true}}});
		}

		const parquet = await fs(['export', 'widest-cast', at('widest-cast.parquet')]);
		expect(parquet.stderr).not.toContain('✘');
		const {DuckDBInstance} = await loadDuckDB();
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		try {
			const read = await connection.runAndReadAll(`SELECT count(*), max(f1), sum(f2), max(f2496) FROM read_parquet(${sqlString(at('widest-cast.parquet'))})`);
			expect(read.getRows()[0]).toEqual([BigInt(rows), rows - 1, records.reduce((sum, _, row) => sum + row + 2 / 8, 0), 'v9_2496']);
		} finally {
			connection.closeSync();
		}

		const target = new LocalStore(at('widest'));
		try {
			expect(await target.getRecord('widest-copy', 'r17')).toEqual(records[17]);
			expect(await target.getRecord('widest-cast', 'r17')).toEqual({...records[17], f1: '17'});
		} finally {
			await target.close();
		}
	}, 300_000);
});
