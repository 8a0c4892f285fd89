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
import {explainError, isFsError, runtimeError, type FsError} from '../../core/errors.js';
import {checkRecord} from '../../core/records.js';
import type {FeatureGroup, FsRecord} from '../../core/types.js';
import {chunkBytes, loadDuckDB, sqlName, sqlString, wideChunkBytes} from '../../io/duckdb.js';
import type {Sqlite} from './database.js';
import {parseStaged} from './offline-sql.js';

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
	const parsing = parseStaged(group);
	const casts = group.FeatureDefinitions.map(feature => `${parsing.value(feature)} AS ${sqlName(feature.FeatureName)}`);
	const columns = `${casts.join(', ')}, make_timestamp(__wt * 1000) AS write_time, make_timestamp(__at * 1000) AS api_invocation_time, __del AS is_deleted`;
	const parsed = (where: string) => `(SELECT ${parsing.parse}, __et, __wt, __at, __del FROM stage ${where})`;
	if (chunkBytes(group.FeatureDefinitions) >= wideChunkBytes) {
		// An hour at a time, each its own COPY: `__hour=N`, as bulk loads name them (hourDirectory).
		const hours = (await connection.runAndReadAll(`SELECT DISTINCT ${stagedHour} FROM stage ORDER BY 1`)).getRows().map(row => String(row[0]));
		for (const hour of hours) {
			const file = path.join(temporary, `__hour=${hour}`, 'data_0.parquet');
			mkdirSync(path.dirname(file), {recursive: true});
			await connection.run(`COPY (SELECT ${columns} FROM ${parsed(`WHERE ${stagedHour} = ${hour}`)}) TO ${sqlString(file)} (FORMAT parquet)`);
		}

		return lastSeq;
	}

	const time = 'make_timestamp(__et * 1000)';
	await connection.run(`COPY (
		SELECT ${columns},
			strftime(${time}, '%Y') AS year, strftime(${time}, '%m') AS month, strftime(${time}, '%d') AS day, strftime(${time}, '%H') AS hour
		FROM ${parsed('')}
	) TO ${sqlString(temporary)} (FORMAT parquet, PARTITION_BY (year, month, day, hour))`);
	return lastSeq;
}

/** A staged row's event-time hour as a number (hours since the epoch). */
const stagedHour = 'CAST(floor(__et / 3600000) AS BIGINT)';

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

/** Staged rows a flush's error shows at most, and deletes in its remedy (the scan goes on, to count them all). */
const badRowsShown = 3;
const badRowsDeleted = 50;

/**
 * Why a group's staged rows could not be flushed, naming the group and the
 * way out. The rows stay staged (the flush rolled back) and other groups
 * are not affected. Staged rows that no longer pass PutRecord's checks (a
 * store written by an earlier version) are looked for and named: they are
 * what a flush cannot get past, and deleting them is the smallest repair.
 */
export function flushError(db: Sqlite, databaseFile: string, group: FeatureGroup, error: unknown): FsError {
	const name = group.FeatureGroupName;
	const bad = badStagedRows(db, group);
	const them = bad.count === 1 ? 'it' : 'them';
	const clear = `\`fs clear ${name} --offline-only\` drops ${name}'s offline store with ${them}`;
	if (bad.count > 0) {
		const shown = bad.rows.map(row => `seq ${row.seq}: ${row.reason}`).join('; ');
		return runtimeError(
			`${name} has ${bad.count} staged offline row${bad.count === 1 ? '' : 's'} that cannot be written to Parquet (${shown}${bad.count > bad.rows.length ? '; …' : ''}); until ${bad.count === 1 ? 'it is' : 'they are'} gone, ${name}'s offline store cannot be read. Other feature groups are not affected.`,
			`Delete ${bad.count === 1 ? them : bad.count > bad.seqs.length ? `the first ${bad.seqs.length} (then read again for the rest)` : 'them'}: sqlite3 ${databaseFile} "DELETE FROM offline_staging WHERE group_name = '${name}' AND seq IN (${bad.seqs.join(', ')})"; or ${clear}.`,
			'StagedRowsUnwritable',
		);
	}

	const explained = explainError(error);
	if (explained) {
		return runtimeError(`Writing ${name}'s staged offline rows to Parquet: ${explained.message}`, `${explained.remedy ?? ''} The rows stay staged; other feature groups are not affected.`.trim(), explained.code);
	}

	const message = isFsError(error) ? error.message : (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
	return runtimeError(
		`${name}'s staged offline rows could not be written to Parquet: ${message.replace(/\.$/, '')}. They stay staged; other feature groups are not affected.`,
		isFsError(error) && error.remedy ? error.remedy : `If it keeps failing, ${clear}.`,
		'StagedRowsUnwritable',
	);
}

/** Staged rows of the group that are not JSON or fail PutRecord's checks: how many, and the first few. */
function badStagedRows(db: Sqlite, group: FeatureGroup): {count: number; rows: Array<{seq: number; reason: string}>; seqs: number[]} {
	const rows: Array<{seq: number; reason: string}> = [];
	const seqs: number[] = [];
	let count = 0;
	// Read in pages, never with iterate(): its StatementIterator is a native
	// object the collector would finalize, which aborts Node 24 (database.ts).
	const page = db.prepare<[string, number]>('SELECT seq, record FROM offline_staging WHERE group_name = ? AND seq > ? ORDER BY seq LIMIT 2048');
	const staged = function * () {
		let after = -1;
		for (;;) {
			const rows = page.all(group.FeatureGroupName, after) as Array<{seq: number; record: string}>;
			yield * rows;
			if (rows.length < 2048) return;
			after = rows.at(-1)!.seq;
		}
	};

	for (const {seq, record} of staged()) {
		let reason: string | undefined;
		try {
			const checked = checkRecord(group, JSON.parse(record) as FsRecord);
			if (!checked.ok) reason = checked.reason;
		} catch {
			reason = 'not a JSON record';
		}

		if (reason === undefined) continue;
		count++;
		if (seqs.length < badRowsDeleted) seqs.push(seq);
		if (rows.length < badRowsShown) rows.push({seq, reason});
	}

	return {count, rows, seqs};
}
