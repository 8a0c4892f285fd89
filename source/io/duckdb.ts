/** SQL helpers shared by the offline store and the Parquet writer. */
import {randomBytes} from 'node:crypto';
import {mkdirSync, readdirSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {threadId} from 'node:worker_threads';
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api';
import type {FeatureDefinition} from '../core/types.js';
import {loadPackage} from './cjs.js';
import {processRunning} from './processes.js';

export const sqlString = (text: string) => `'${text.replaceAll('\'', '\'\'')}'`;
export const sqlName = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The Parquet/DuckDB column type of a feature (Athena's type in the Glue table). */
export function duckType(feature: FeatureDefinition): string {
	const scalar = {Integral: 'BIGINT', Fractional: 'DOUBLE', String: 'VARCHAR'}[feature.FeatureType];
	return feature.CollectionType ? `${scalar}[]` : scalar;
}

/** SQL turning a VARCHAR column holding the API's value text into the feature's type. */
export function castFromText(feature: FeatureDefinition, column = sqlName(feature.FeatureName)): string {
	if (feature.CollectionType) return `from_json(${column}, '[${JSON.stringify(duckType(feature).replace('[]', ''))}]')`;
	if (feature.FeatureType === 'String') return column;
	return `CAST(${column} AS ${duckType(feature)})`;
}

/** Collections travel to DuckDB as JSON text; numbers unquoted so BIGINTs stay exact. */
export function collectionJson(feature: FeatureDefinition, values: string[]): string {
	return feature.FeatureType === 'String' ? JSON.stringify(values) : `[${values.join(',')}]`;
}

/**
 * DuckDB's memory limit for one use: FS_DUCKDB_MEMORY when set (the one
 * setting a user has when DuckDB runs out of memory), else `fallback`, or
 * more for rows whose chunks (chunkBytes) are `chunk` bytes: a query holds
 * several at once (read, projected, sorted, buffered by the Parquet
 * writer), whatever its row count, so wide rows need memory no row count
 * can save. A group of 2,500 features needs some 300 to 700 MB; one of
 * twenty, the fallback.
 */
export function duckdbMemory(fallback: string, chunk = 0): string {
	const set = process.env['FS_DUCKDB_MEMORY'];
	if (set) return set;
	const wide = Math.ceil((wideBaseBytes + chunksHeld * chunk) / (1024 * 1024));
	return wide > megabytes(fallback) ? `${wide}MB` : fallback;
}

/** Chunks of a group's rows a query holds at once, with room to spare (measured at 2,500 features, on one thread: up to six, in a bulk load). */
const chunksHeld = 8;
/** What a query needs besides its chunks. */
const wideBaseBytes = 64 * 1024 * 1024;

/** Megabytes of a limit written as DuckDB takes it ("256MB", "1GB"); 0 when it is not one of those. */
export function megabytes(limit: string): number {
	const match = /^\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$/i.exec(limit);
	if (!match) return 0;
	const scale = {k: 1 / 1024, m: 1, g: 1024, t: 1024 * 1024}[match[2]![0]!.toLowerCase() as 'k' | 'm' | 'g' | 't'];
	return Number(match[1]) * scale;
}

/**
 * What DuckDB holds per column for every chunk of rows a query has in hand,
 * however few its rows: a vector of 2,048 values, 32 KB of text or list
 * entries, 16 KB of numbers. A group of 2,500 text features holds 80 MB a
 * chunk; reading or writing its Parquet holds several chunks at once.
 */
export function chunkBytes(features: readonly FeatureDefinition[]): number {
	let bytes = 0;
	for (const feature of features) bytes += feature.CollectionType || feature.FeatureType === 'String' ? 32 * 1024 : 16 * 1024;
	return bytes;
}

/**
 * Rows whose chunk (chunkBytes) is at least this large are wide (some 256
 * text features or more): their queries run on one thread with the memory
 * duckdbMemory gives them, and their offline files are written an
 * event-time hour at a time, without PARTITION_BY, which buffers every open
 * partition several chunks deep.
 */
export const wideChunkBytes = 8 * 1024 * 1024;

type DuckDBModule = typeof import('@duckdb/node-api');
let duckdb: Promise<DuckDBModule> | undefined;

/**
 * DuckDB loaded on first use: its native library costs a third of a second
 * at startup. Required, not imported (io/cjs.ts).
 */
export const loadDuckDB = (): Promise<DuckDBModule> => (duckdb ??= loadPackage<DuckDBModule>('@duckdb/node-api'));

/**
 * An in-memory DuckDB with `settings`, `setup` run on it once (time zone,
 * macros, catalogs: seen by every connection). With `only`, it runs SQL
 * that is not ours (a user's filter, a query sent to the emulator): after
 * the setup it can reach files under those directories and nowhere else —
 * no read, write, COPY, ATTACH or extension outside them — and the
 * configuration is locked, so no statement can lift that. Its spill
 * directory (temp_directory) needs no entry: DuckDB adds it itself.
 */
export async function duckdbInstance(settings: Record<string, string>, setup: string[], only?: string[]): Promise<DuckDBInstance> {
	const {DuckDBInstance} = await loadDuckDB();
	const instance = await DuckDBInstance.create(':memory:', settings);
	try {
		const connection = await instance.connect();
		try {
			for (const statement of setup) await connection.run(statement);
			if (only) {
				// A prefix each: a directory without its separator would also let in its namesakes (data → data2).
				const directories = only.map(dir => sqlString(dir.endsWith(path.sep) ? dir : `${dir}${path.sep}`));
				await connection.run(`SET allowed_directories = [${directories.join(', ')}]`);
				await connection.run('SET enable_external_access = false');
				await connection.run('SET lock_configuration = true');
			}
		} finally {
			connection.closeSync();
		}
	} catch (error) {
		instance.closeSync();
		throw error;
	}

	return instance;
}

/** Footers averageRowBytes reads at most: an estimate, not a census (800 footers took half a second). */
const sampledFooters = 16;

/**
 * The average size of the rows in Parquet `files` (a path, or a list from
 * which at most 16 evenly spread files are read), as their footers count it
 * uncompressed; at least 1. What sizes work by bytes (loads, row groups)
 * rather than by rows, for wide records.
 */
export async function averageRowBytes(connection: DuckDBConnection, files: string | readonly string[]): Promise<number> {
	const sample = typeof files === 'string' ? [files] : Array.from({length: Math.min(files.length, sampledFooters)}, (_, index) => files[Math.floor(index * files.length / Math.min(files.length, sampledFooters))]!);
	if (sample.length === 0) return 1;
	const metadata = `parquet_metadata([${sample.map(file => sqlString(file)).join(', ')}])`;
	const reader = await connection.runAndReadAll(`SELECT sum(total_uncompressed_size),
		(SELECT sum(row_group_num_rows) FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM ${metadata})) FROM ${metadata}`);
	const [bytes, rows] = reader.getRows()[0]!.map(Number);
	return Math.max(1, (bytes || 0) / (rows || 1));
}

/**
 * A spill directory (temp_directory) of its own for one DuckDB instance,
 * under `parent`. Instances sharing one, in one process or several, write
 * temporary files of the same names over each other's: DuckDB then reports
 * a corrupt temporary file, or crashes. Remove it with `removeTempDir` after
 * the instance closes; those of processes that are gone (and untouched for
 * an hour) are removed here.
 */
export function ownTempDir(parent: string): string {
	mkdirSync(parent, {recursive: true});
	for (const entry of readdirSync(parent)) {
		const pid = /^duckdb-(\d+)-/.exec(entry)?.[1];
		// An hour untouched as well: a process we cannot see (another container on the same disk) may be alive.
		if (pid !== undefined && !processRunning(Number(pid)) && untouchedFor(path.join(parent, entry), 3_600_000)) removeTempDir(path.join(parent, entry));
	}

	return path.join(parent, `duckdb-${process.pid}-${threadId}-${randomBytes(4).toString('hex')}`);
}

export const removeTempDir = (dir: string) => rmSync(dir, {recursive: true, force: true});

function untouchedFor(dir: string, ms: number): boolean {
	try {
		return Date.now() - statSync(dir).mtimeMs > ms;
	} catch {
		return false;
	}
}
