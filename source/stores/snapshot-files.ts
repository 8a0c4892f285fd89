/**
 * Reading a snapshot's local Parquet files (OfflineSnapshot), the same way for
 * every store: in the files' order, optionally one hash partition of them, as
 * the runtime API's strings. A partition is `hash(column) % of = index` in
 * DuckDB, here and in bulk loads alike, so each row has one worker.
 */
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api';
import {sqlName, sqlString} from '../io/duckdb.js';
import {releaseNativeMemory} from '../io/native-memory.js';
import type {OfflineBatch, OfflineSnapshot, SnapshotPartition, SnapshotRange} from './store.js';

/** The rows of a partition or range; a range needs read_parquet's file_row_number. */
export function partitionCondition(partition: SnapshotPartition | SnapshotRange | undefined): string {
	if (!partition) return 'true';
	if ('file' in partition) return `file_row_number BETWEEN ${partition.first} AND ${partition.first + partition.count - 1}`;
	return `hash(${sqlName(partition.column)}) % ${partition.of} = ${partition.index}`;
}

export async function * readSnapshotFiles(connection: DuckDBConnection, snapshot: OfflineSnapshot, partition?: SnapshotPartition | SnapshotRange): AsyncGenerator<OfflineBatch> {
	if (snapshot.rows === 0 || snapshot.files.length === 0) return;
	const files = partition && 'file' in partition ? [partition.file] : snapshot.files;
	const list = files.map(file => sqlString(file)).join(', ');
	// DuckDB keeps the files' row order through the filter (preserve_insertion_order).
	const select = snapshot.names.map(name => sqlName(name)).join(', ');
	const result = await connection.stream(`SELECT ${select} FROM read_parquet([${list}], file_row_number = true) WHERE ${partitionCondition(partition)}`);
	let chunks = 0;
	for (;;) {
		const chunk = await result.fetchChunk();
		if (!chunk || chunk.rowCount === 0) break;
		if (++chunks % 64 === 0) releaseNativeMemory();
		yield {names: snapshot.names, columns: chunk.getColumns().map(column => column.map(apiValue)), length: chunk.rowCount};
	}
}

/** A DuckDB value as the API's text: numbers as JavaScript writes them, lists as string arrays. */
export function apiValue(value: DuckDBValue): string | string[] | null {
	if (value === null) return null;
	if (typeof value === 'string') return value;
	if (typeof value === 'object' && 'items' in value) return (value.items as DuckDBValue[]).map(item => String(item));
	return String(value);
}
