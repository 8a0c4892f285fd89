/**
 * Rows on their way into the embedded offline store's Parquet: staged rows
 * (SQLite) written by DuckDB, partitioned by event-time hour, and files moved
 * into SageMaker's layout under names that a redo overwrites (see
 * OfflineStore.flush and bulk.ts).
 */
import {createHash} from 'node:crypto';
import {mkdirSync, readdirSync, renameSync} from 'node:fs';
import path from 'node:path';
import type {DuckDBConnection} from '@duckdb/node-api';
import type {FeatureGroup} from '../../core/types.js';
import {loadDuckDB, sqlName, sqlString} from '../../io/duckdb.js';
import type {Sqlite} from './database.js';
import {parseStaged, stagedValue} from './offline-sql.js';

interface StagedRow {
	seq: number;
	event_time_ms: number;
	write_time_ms: number;
	api_time_ms: number;
	is_deleted: number;
	record: string;
}

/**
 * Staged rows written to Parquet per pass of a flush, and their JSON's
 * length at most (checked a page at a time): wide records make smaller
 * passes, within DuckDB's memory, and smaller row groups for the readers.
 */
const rowsPerFlushPass = 50_000;
const textPerFlushPass = 32 * 1024 * 1024;

/**
 * Up to a pass of the group's staged rows from `firstSeq` on, as Parquet in
 * `temporary` (hive partitions of the event time); returns the last row's seq
 * (`firstSeq - 1` when none is staged).
 */
export async function writeStaged(db: Sqlite, connection: DuckDBConnection, group: FeatureGroup, firstSeq: number, temporary: string): Promise<number> {
	const {DuckDBDataChunk, BIGINT, BOOLEAN, VARCHAR} = await loadDuckDB();
	// The staged JSON goes to DuckDB as it is and DuckDB takes it apart:
	// parsing a million records in C++ beats JSON.parse and twenty appends each.
	await connection.run('CREATE OR REPLACE TEMP TABLE stage (rec VARCHAR, __et BIGINT, __wt BIGINT, __at BIGINT, __del BOOLEAN)');
	const appender = await connection.createAppender('stage', 'main', 'temp');
	const types = [VARCHAR, BIGINT, BIGINT, BIGINT, BOOLEAN];
	const page = db.prepare('SELECT seq, event_time_ms, write_time_ms, api_time_ms, is_deleted, record FROM offline_staging WHERE group_name = ? AND seq > ? ORDER BY seq LIMIT 2048');
	let lastSeq = firstSeq - 1;
	let staged = 0;
	let text = 0;
	while (staged < rowsPerFlushPass && text < textPerFlushPass) {
		const rows = page.all(group.FeatureGroupName, lastSeq) as StagedRow[];
		if (rows.length === 0) break;
		staged += rows.length;
		for (const row of rows) text += row.record.length;
		const chunk = DuckDBDataChunk.create(types, rows.length);
		chunk.setColumns([
			rows.map(row => row.record),
			rows.map(row => BigInt(row.event_time_ms)),
			rows.map(row => BigInt(row.write_time_ms)),
			rows.map(row => BigInt(row.api_time_ms)),
			rows.map(row => row.is_deleted === 1),
		]);
		appender.appendDataChunk(chunk);
		lastSeq = rows.at(-1)!.seq;
	}

	appender.closeSync();
	if (staged === 0) return lastSeq;
	const casts = group.FeatureDefinitions.map(feature => `${stagedValue(feature)} AS ${sqlName(feature.FeatureName)}`);
	const time = 'make_timestamp(__et * 1000)';
	await connection.run(`COPY (
		SELECT ${casts.join(', ')},
			make_timestamp(__wt * 1000) AS write_time, make_timestamp(__at * 1000) AS api_invocation_time, __del AS is_deleted,
			strftime(${time}, '%Y') AS year, strftime(${time}, '%m') AS month, strftime(${time}, '%d') AS day, strftime(${time}, '%H') AS hour
		FROM (SELECT ${parseStaged(group)}, __et, __wt, __at, __del FROM stage)
	) TO ${sqlString(temporary)} (FORMAT parquet, PARTITION_BY (year, month, day, hour))`);
	return lastSeq;
}

/**
 * Move DuckDB's partition files from `temporary` into the group's data
 * directory under SageMaker's names. The names derive from `seed`: placing
 * the same files again overwrites them; files already moved (by another
 * writer) are in place.
 */
export function placeFiles(dataDir: string, group: FeatureGroup, temporary: string, seed: string, firstApiMs: number) {
	const stamp = new Date(firstApiMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
	let files: string[];
	try {
		files = readdirSync(temporary, {recursive: true}) as string[];
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
		throw error;
	}

	for (const file of files) {
		if (!file.endsWith('.parquet')) continue;
		const partition = hourDirectory(path.dirname(file));
		const digest = createHash('sha256').update(`${group.FeatureGroupName}:${seed}:${file}`).digest('base64url').replace(/[-_]/g, 'x').slice(0, 16);
		mkdirSync(path.join(dataDir, partition), {recursive: true});
		try {
			renameSync(path.join(temporary, file), path.join(dataDir, partition, `${stamp}_${digest}.parquet`));
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
		}
	}
}

/** A bulk load's `__hour=N` partition as SageMaker's directories of that event-time hour. */
export function hourDirectory(dir: string): string {
	const match = /^__hour=(-?\d+)$/.exec(dir);
	if (!match) return dir;
	const at = new Date(Number(match[1]) * 3_600_000).toISOString();
	return path.join(`year=${at.slice(0, 4)}`, `month=${at.slice(5, 7)}`, `day=${at.slice(8, 10)}`, `hour=${at.slice(11, 13)}`);
}
