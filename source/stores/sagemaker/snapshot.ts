/**
 * An Athena result kept on local disk as ordered Parquet parts, and read back
 * like the embedded store reads its snapshots: same order every time, and a
 * partition is the rows whose column hashes to it. Values are stored as the
 * API's text (VARCHAR, collections VARCHAR[]), so reading gives back exactly
 * what was streamed in.
 */
import {mkdirSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api';
import {duckdbMemory, loadDuckDB, ownTempDir, removeTempDir, sqlName, sqlString} from '../../io/duckdb.js';
import {releaseNativeMemory} from '../../io/native-memory.js';
import type {OfflineBatch, OfflineSnapshot, SnapshotPartition, SnapshotRange} from '../store.js';
import type {ResultColumn} from './csv.js';
import {readSnapshotFiles} from '../snapshot-files.js';

/** Rows per Parquet part: bounds what DuckDB holds before it writes. */
export const rowsPerPart = 100_000;
/** DuckDB's vector size: a data chunk holds at most this many rows. */
const chunkRows = 2048;

const isList = (column: ResultColumn) => column.kind === 'list' || column.kind === 'fractional-list';

const partFile = /^part-\d{5}\.parquet$/;

export class SnapshotFiles {
	private instance?: Promise<{instance: DuckDBInstance; spill: string}>;

	/** A small DuckDB: it only copies rows to and from Parquet, no sorting. */
	private async connect(): Promise<DuckDBConnection> {
		this.instance ??= loadDuckDB().then(async ({DuckDBInstance}) => {
			const spill = ownTempDir(path.join(tmpdir(), 'fs-duckdb'));
			return {instance: await DuckDBInstance.create(':memory:', {threads: '1', memory_limit: duckdbMemory('256MB'), temp_directory: spill}), spill};
		});
		return (await this.instance).instance.connect();
	}

	close() {
		void this.instance?.then(({instance, spill}) => {
			instance.closeSync();
			removeTempDir(spill);
		}, () => undefined);
		this.instance = undefined;
	}

	/** Write the rows of `batches` to `dir` as part-00000.parquet, part-00001.parquet, … in order. */
	async write(batches: AsyncIterable<OfflineBatch>, columns: ResultColumn[], dir: string, partRows = rowsPerPart): Promise<OfflineSnapshot> {
		mkdirSync(dir, {recursive: true});
		// Parts of an earlier snapshot in the same place would otherwise linger; nothing else is touched.
		for (const file of readdirSync(dir)) if (partFile.test(file)) rmSync(path.join(dir, file), {force: true});
		const {DuckDBDataChunk, LIST, VARCHAR, listValue} = await loadDuckDB();
		const types = columns.map(column => (isList(column) ? LIST(VARCHAR) : VARCHAR));
		const names = columns.map(column => column.name);
		const connection = await this.connect();
		const table = `snapshot_${process.pid}_${Math.random().toString(36).slice(2)}`;
		const files: string[] = [];
		let rows = 0;
		let inPart = 0;
		try {
			const definition = columns.map(column => `${sqlName(column.name)} ${isList(column) ? 'VARCHAR[]' : 'VARCHAR'}`).join(', ');
			await connection.run(`CREATE TEMP TABLE ${table} (${definition})`);
			let appender = await connection.createAppender(table, 'main', 'temp');
			const writePart = async () => {
				appender.closeSync();
				const file = path.join(dir, `part-${String(files.length).padStart(5, '0')}.parquet`);
				// No ORDER BY needed: DuckDB writes a table's rows in insertion order.
				await connection.run(`COPY ${table} TO ${sqlString(file)} (FORMAT parquet)`);
				await connection.run(`DELETE FROM ${table}`);
				files.push(file);
				inPart = 0;
				releaseNativeMemory();
				appender = await connection.createAppender(table, 'main', 'temp');
			};

			for await (const batch of batches) {
				for (let start = 0; start < batch.length; start += chunkRows) {
					const end = Math.min(batch.length, start + chunkRows);
					const chunk = DuckDBDataChunk.create(types, end - start);
					chunk.setColumns(batch.columns.map((values, c) => {
						const slice = values.slice(start, end);
						return isList(columns[c]!) ? slice.map(value => (value === null ? null : listValue(value as string[]))) : slice as Array<string | null>;
					}));
					appender.appendDataChunk(chunk);
					rows += end - start;
					inPart += end - start;
				}

				if (inPart >= partRows) await writePart();
			}

			if (inPart > 0) await writePart();
			else appender.closeSync();
		} finally {
			await connection.run(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
			connection.closeSync();
		}

		return {kind: 'parquet', files, names, rows};
	}

	async * read(snapshot: OfflineSnapshot, partition?: SnapshotPartition | SnapshotRange): AsyncGenerator<OfflineBatch> {
		if (snapshot.rows === 0 || snapshot.files.length === 0) return;
		const connection = await this.connect();
		try {
			yield * readSnapshotFiles(connection, snapshot, partition);
		} finally {
			connection.closeSync();
		}
	}
}
