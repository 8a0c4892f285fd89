/** SQL helpers shared by the offline store and the Parquet writer. */
import {randomBytes} from 'node:crypto';
import {mkdirSync, readdirSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import {threadId} from 'node:worker_threads';
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api';
import type {FeatureDefinition} from '../core/types.js';

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
 * setting a user has when DuckDB runs out of memory), else `fallback`.
 */
export const duckdbMemory = (fallback: string): string => process.env['FS_DUCKDB_MEMORY'] ?? fallback;

type DuckDBModule = typeof import('@duckdb/node-api');
let duckdb: Promise<DuckDBModule> | undefined;

/** DuckDB loaded on first use: its native library costs a third of a second at startup. */
export const loadDuckDB = (): Promise<DuckDBModule> => (duckdb ??= import('@duckdb/node-api'));

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

/**
 * The average size of the rows in Parquet `files` (a path or a glob), as
 * their footers count it uncompressed; at least 1. What sizes work by bytes
 * (loads, row groups) rather than by rows, for wide records.
 */
export async function averageRowBytes(connection: DuckDBConnection, files: string): Promise<number> {
	const metadata = `parquet_metadata(${sqlString(files)})`;
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
		if (pid !== undefined && !running(Number(pid)) && untouchedFor(path.join(parent, entry), 3_600_000)) removeTempDir(path.join(parent, entry));
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

function running(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
