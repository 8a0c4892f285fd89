/**
 * Benchmark data: a feature group of 20 mixed features (identifier, event
 * time, 6 Integral, 6 Fractional, 6 String) whose offline store holds N rows,
 * written straight to Parquet in the group's own S3 layout by DuckDB — fast
 * to make, and read by the store exactly like rows it wrote itself.
 */
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import type {FeatureDefinition} from '../source/core/types.js';
import {loadDuckDB, sqlString} from '../source/io/duckdb.js';
import {LocalStore} from '../source/stores/local/index.js';

export const benchFeatures: FeatureDefinition[] = [
	{FeatureName: 'record_id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	...[1, 2, 3, 4, 5, 6].map(i => ({FeatureName: `int_${i}`, FeatureType: 'Integral' as const})),
	...[1, 2, 3, 4, 5, 6].map(i => ({FeatureName: `frac_${i}`, FeatureType: 'Fractional' as const})),
	...[1, 2, 3, 4, 5, 6].map(i => ({FeatureName: `str_${i}`, FeatureType: 'String' as const})),
];

/**
 * Create `name` with `features` in the store at `dir` and, unless `rows` is
 * 0, write its offline rows straight to Parquet in its own layout, in
 * `files` files of consecutive rows: `select(from, to)` is the SQL of rows
 * `from` to `to` (exclusive).
 */
async function makeGroup(dir: string, name: string, features: FeatureDefinition[], online: boolean, rows: number, files: number, select: (from: number, to: number) => string): Promise<void> {
	const store = new LocalStore(dir);
	try {
		await store.createFeatureGroup({
			FeatureGroupName: name,
			RecordIdentifierFeatureName: 'record_id',
			EventTimeFeatureName: 'event_time',
			FeatureDefinitions: features,
			...(online ? {OnlineStoreConfig: {EnableOnlineStore: true}} : {}),
			OfflineStoreConfig: {S3StorageConfig: {S3Uri: 's3://bench/fs'}},
		});
		if (rows === 0) return;
		const {dir: data} = store.offlineFiles(name);
		const partition = path.join(data, 'year=2024', 'month=01', 'day=01', 'hour=00');
		mkdirSync(partition, {recursive: true});
		const {DuckDBInstance} = await loadDuckDB();
		const connection = await (await DuckDBInstance.create(':memory:')).connect();
		const per = Math.ceil(rows / files);
		for (let file = 0; file * per < rows; file++) {
			const target = path.join(partition, `20240102T000000Z_benchbench${String(file).padStart(6, '0')}.parquet`);
			await connection.run(`COPY (${select(file * per, Math.min(rows, (file + 1) * per))}) TO ${sqlString(target)} (FORMAT parquet)`);
		}

		connection.closeSync();
	} finally {
		await store.close();
	}
}

/**
 * Create `name` in the store at `dir` holding `rows` offline rows (and no
 * online records), in `files` Parquet files of consecutive rows.
 */
export async function makeBenchGroup(dir: string, name: string, rows: number, online = true, files = 1): Promise<void> {
	const columns = [
		// 4 versions per identifier, so history mode has history to replay.
		'\'r\' || lpad(CAST(i // 4 AS VARCHAR), 9, \'0\') AS record_id',
		'strftime(TIMESTAMP \'2024-01-01 00:00:00\' + to_milliseconds(i % 4 * 1000 + i // 4 % 1000), \'%Y-%m-%dT%H:%M:%S.%gZ\') AS event_time',
		...[1, 2, 3, 4, 5, 6].map(k => `CAST(hash(i, ${k}) // 2 AS BIGINT) - 4611686018427387904 AS int_${k}`),
		...[1, 2, 3, 4, 5, 6].map(k => `(hash(i, ${k + 10}) % 1000000) / 1000.0 AS frac_${k}`),
		...[1, 2, 3, 4, 5, 6].map(k => `'value-' || CAST(hash(i, ${k + 20}) % 100000 AS VARCHAR) AS str_${k}`),
		'TIMESTAMP \'2024-01-02 00:00:00\' AS write_time',
		'TIMESTAMP \'2024-01-02 00:00:00\' AS api_invocation_time',
		'false AS is_deleted',
	];
	await makeGroup(dir, name, benchFeatures, online, rows, files, (from, to) => `SELECT ${columns.join(', ')} FROM range(${from}, ${to}) t(i)`);
}

/** The features of a history group (makeHistoryGroup): values to cast, some of which cast per value only. */
export const historyFeatures: FeatureDefinition[] = [
	{FeatureName: 'record_id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'amount', FeatureType: 'String'},
	{FeatureName: 'score', FeatureType: 'Fractional'},
	{FeatureName: 'label', FeatureType: 'String'},
	{FeatureName: 'visits', FeatureType: 'Integral'},
];

/** Where a history group's features go: text and whole doubles to Integral, a whole number to text, and a new feature. */
export const historyTargetFeatures: FeatureDefinition[] = [
	{FeatureName: 'record_id', FeatureType: 'String'},
	{FeatureName: 'event_time', FeatureType: 'String'},
	{FeatureName: 'amount', FeatureType: 'Integral'},
	{FeatureName: 'score', FeatureType: 'Integral'},
	{FeatureName: 'label', FeatureType: 'String'},
	{FeatureName: 'visits', FeatureType: 'String'},
	{FeatureName: 'extra', FeatureType: 'Fractional'},
];

/**
 * A group whose offline store holds a history of `rows` rows, 4 versions
 * per identifier (r000000000, …) over several event-time hours, with what
 * replays and casts must get right: delete markers (in the middle of a
 * history, and last), two versions of one event time (the earlier API
 * invocation first), `amount` text that is no number (`n/a`: a failed
 * cast), or a number SQL's pattern leaves to fs (`1e3`, ` 42`), and `score`
 * doubles that are not whole (2.5).
 */
export async function makeHistoryGroup(dir: string, name: string, rows: number, features = historyFeatures): Promise<void> {
	// id: the identifier's number; v: its version (0-3); a tie: versions 2 and 3 share an event time.
	const marker = '(id % 7 = 0 AND v = 1) OR (id % 11 = 0 AND v = 3)';
	const second = 'CASE WHEN id % 5 = 0 AND v = 3 THEN 2 ELSE v END';
	const value = (sql: string) => `CASE WHEN ${marker} THEN NULL ELSE ${sql} END`;
	const columns = [
		'\'r\' || lpad(CAST(id AS VARCHAR), 9, \'0\') AS record_id',
		`strftime(TIMESTAMP '2024-01-01 00:00:00' + to_hours(id % 3) + to_milliseconds(${second} * 1000 + id % 1000), '%Y-%m-%dT%H:%M:%S.%gZ') AS event_time`,
		value('CASE WHEN i % 13 = 5 THEN \'n/a\' WHEN i % 17 = 3 THEN \'1e3\' WHEN i % 23 = 4 THEN \' 42\' ELSE CAST(i * 7 % 100000 - 500 AS VARCHAR) END') + ' AS amount',
		value('CASE WHEN i % 19 = 7 THEN 2.5 ELSE CAST(i % 50 AS DOUBLE) END') + ' AS score',
		value('\'label-\' || CAST(i AS VARCHAR)') + ' AS label',
		value('CAST(i * 31 AS BIGINT)') + ' AS visits',
		'TIMESTAMP \'2024-01-02 00:00:00\' + to_seconds(v) AS write_time',
		'TIMESTAMP \'2024-01-02 00:00:00\' + to_seconds(v) AS api_invocation_time',
		`(${marker}) AS is_deleted`,
	];
	await makeGroup(dir, name, features, true, rows, 1, (from, to) => `SELECT ${columns.join(', ')} FROM (SELECT i, i // 4 AS id, i % 4 AS v FROM range(${from}, ${to}) t(i))`);
}
