/**
 * A snapshot that copies nothing: a group's whole history, for bulk loads,
 * read from its own Parquet files. The store writes a file once and never
 * changes it (a flush or a load renames new files into place; a clear
 * removes them), so a hard link to each is the file as it is now, whatever
 * happens to the group later: a resume reads the same rows. Taken only where
 * it is exact and pays: every file holds every column in the type the
 * readers take, the files are large enough for loads of their own, and the
 * run's directory is on the store's file system. Otherwise undefined, and
 * the rows are copied (OfflineStore's unordered snapshot).
 */
import {linkSync, rmSync} from 'node:fs';
import path from 'node:path';
import type {DuckDBConnection} from '@duckdb/node-api';
import {featureOf, type FeatureGroup} from '../../core/types.js';
import {duckType, sqlString} from '../../io/duckdb.js';
import type {OfflineSnapshot, SnapshotRange} from '../store.js';
import {fileShift, storedPosition, winnersSql} from './offline-sql.js';

/** Rows per file, at least, on average: fewer would make many small loads (a load costs ~20 ms besides its rows). */
const minRowsPerFile = 20_000;

/** Row groups are joined into ranges of about this many rows (a load's). */
const rangeRows = 50_000;

export async function linkedSnapshot(connection: DuckDBConnection, group: FeatureGroup, files: string[], names: string[], dir: string, parts: number): Promise<OfflineSnapshot | undefined> {
	if (files.length === 0) return undefined;
	// Linked first, then read: what the checks see is what the snapshot holds.
	const linked = files.map((_, index) => path.join(dir, `source-${String(index).padStart(5, '0')}.parquet`));
	const unlink = () => {
		for (const file of linked) rmSync(file, {force: true});
	};

	try {
		// Links a run cut short left behind are replaced.
		unlink();
		for (const [index, file] of files.entries()) linkSync(file, linked[index]!);
	} catch {
		// Another file system (or no hard links): copy instead.
		unlink();
		return undefined;
	}

	try {
		const list = `[${linked.map(file => sqlString(file)).join(', ')}]`;
		// Row groups from the footers: ranges never split one (a load then decodes little beyond its rows).
		const groups = (await connection.runAndReadAll(`SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata(${list}) ORDER BY ALL`)).getRows()
			.map(([file, , rows]) => ({file: linked.indexOf(String(file)), rows: Number(rows)}));
		const rows = groups.reduce((sum, {rows}) => sum + rows, 0);
		if (groups.some(({file}) => file < 0) || rows < files.length * minRowsPerFile || !await everyColumn(connection, group, list, linked, names)) {
			unlink();
			return undefined;
		}

		const winners = path.join(dir, 'winners.parquet');
		await connection.run(winnersSql(group, `read_parquet(${list}, file_row_number = true, union_by_name = true)`, storedPosition, storedPosition, winners));
		return {kind: 'parquet', files: linked, names, rows, parts: balance(ranges(groups, linked, winners), parts)};
	} catch (error) {
		unlink();
		throw error;
	}
}

/** Whether every file has every column the snapshot's readers take, in its type. */
async function everyColumn(connection: DuckDBConnection, group: FeatureGroup, list: string, files: string[], names: string[]): Promise<boolean> {
	const expected = new Map(names.map(name => {
		const feature = featureOf(group, name);
		return [name, feature ? (feature.CollectionType ? undefined : duckType(feature)) : name === 'is_deleted' ? 'BOOLEAN' : 'TIMESTAMP'];
	}));
	const found = new Map<string, number>();
	for (const [file, name, type] of (await connection.runAndReadAll(`SELECT file_name, name, duckdb_type FROM parquet_schema(${list})`)).getRows()) {
		if (expected.get(String(name)) === String(type)) found.set(String(file), (found.get(String(file)) ?? 0) + 1);
	}

	return files.every(file => found.get(file) === names.length);
}

/** Each file's row groups joined into ranges of about a load. */
function ranges(groups: Array<{file: number; rows: number}>, files: string[], winners: string): SnapshotRange[] {
	const out: SnapshotRange[] = [];
	let first = 0;
	for (const [index, {file, rows}] of groups.entries()) {
		if (index === 0 || groups[index - 1]!.file !== file) first = 0;
		const last = out.at(-1);
		if (last && last.file === files[file] && last.count + rows <= rangeRows) last.count += rows;
		else out.push({file: files[file]!, first, count: rows, winners, base: file * fileShift});
		first += rows;
	}

	return out.filter(range => range.count > 0);
}

/** Ranges dealt to parts, each to the part with the fewest rows so far. */
function balance(all: SnapshotRange[], parts: number): SnapshotRange[] {
	const rows = Array.from({length: parts}, () => 0);
	return all.map(range => {
		const part = rows.indexOf(Math.min(...rows));
		rows[part] += range.count;
		return {...range, part};
	});
}
