/**
 * The embedded offline store: Parquet files in SageMaker's S3 layout, read
 * with DuckDB. Rows are staged in SQLite as they are written (durable, in the
 * same transaction as the online write) and flushed to Parquet before any read
 * and when the store closes — the service too lands rows some minutes late.
 */
import {randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api';
import {usageError} from '../../core/errors.js';
import type {FeatureGroup} from '../../core/types.js';
import type {ExistingRows, OfflineBatch, OfflineQuery, OfflineSnapshot, SnapshotPartition, SnapshotRange} from '../store.js';
import type {Sqlite} from './database.js';
import {s3Path} from './layout.js';
import {TrinoTranslator, TrinoUnsupported, trinoMacros, trinoSettings} from './trino.js';
import {releaseNativeMemory} from '../../io/native-memory.js';
import {averageRowBytes, chunkBytes, duckdbInstance, duckdbMemory, duckType, megabytes, ownTempDir, removeTempDir, sqlName, sqlString, wideChunkBytes} from '../../io/duckdb.js';
import {valueMacros} from './bulk-sql.js';
import {apiValue, readSnapshotFiles} from '../snapshot-files.js';
import {flushError, placeFiles, writeStaged} from './offline-flush.js';
import {linkedSnapshot} from './snapshot-linked.js';
import {partOf, querySql, relationSql, runUserQuery, winnersSql, type QueryOptions} from './offline-sql.js';
import {checkFilterSql, filterPlaceholder} from './offline-filter.js';

/** Rows sorted per pass when reading in identifier order (see read). */
export const defaultRowsPerPass = 100_000;

/**
 * Rows per Parquet row group in snapshots (DuckDB's default is 122,880).
 * Snapshots are LZ4: a little smaller than Snappy and read a tenth faster.
 */
const snapshotRowGroup = 16_384;
/** A snapshot's row group holds this many bytes at most (uncompressed, as the source's footers count them). */
const snapshotRowGroupBytes = 16 * 1024 * 1024;

/**
 * Stored bytes from which a sorted snapshot is written by several writers at
 * once; below, one: each writer scans every file, and for a small history
 * the second scan of hundreds of hourly files costs more than it saves.
 */
const defaultParallelSnapshotBytes = 64 * 1024 * 1024;

/** A DuckDB instance and its spill directory, removed when it closes. */
interface Engine {
	instance: DuckDBInstance;
	spill: string;
}

/** A snapshot's columns weighed as text (chunkBytes): the readers of a snapshot know its names, not their types. */
const snapshotChunkBytes = (names: string[]) => names.length * 32 * 1024;

export class OfflineStore {
	private instance?: Promise<Engine>;
	/** The DuckDB of wide rows (connect): one thread, its memory limit raised to what they need. */
	private wide?: Promise<Engine>;
	/** The wide DuckDB's memory limit now, in MB. */
	private wideLimit = 0;

	constructor(private readonly dir: string, private readonly db: Sqlite, private readonly rowsPerPass = defaultRowsPerPass, private readonly memoryLimit = duckdbMemory('256MB'), private readonly threads = 2, private readonly parallelSnapshotBytes = defaultParallelSnapshotBytes) {}

	dataDir(group: FeatureGroup): string {
		return s3Path(this.dir, group.OfflineStoreConfig!.S3StorageConfig.ResolvedOutputS3Uri!);
	}

	/**
	 * A connection for queries over rows of `chunk` bytes a chunk
	 * (chunkBytes). Wide rows (wideChunkBytes) go to a DuckDB of their own:
	 * one thread, since every thread holds chunks of every column (two
	 * threads needed twice the memory for the same rows), and a memory limit
	 * raised to what the widest rows it saw need (duckdbMemory; left alone
	 * when FS_DUCKDB_MEMORY is set). The others keep the store's threads.
	 */
	async connect(chunk = 0): Promise<DuckDBConnection> {
		if (chunk < wideChunkBytes) {
			this.instance ??= this.createInstance();
			return (await this.instance).instance.connect();
		}

		this.wide ??= this.createInstance({threads: '1'});
		const connection = await (await this.wide).instance.connect();
		const wanted = duckdbMemory(this.memoryLimit, chunk);
		this.wideLimit ||= megabytes(this.memoryLimit);
		if (megabytes(wanted) > this.wideLimit) {
			this.wideLimit = megabytes(wanted);
			await connection.run(`SET GLOBAL memory_limit = ${sqlString(wanted)}`).catch(error => {
				connection.closeSync();
				throw error;
			});
		}

		return connection;
	}

	/** A DuckDB of its own for rows of `chunk` bytes a chunk: wide ones on one thread, with the memory they need. */
	private fitted(chunk: number): Record<string, string> {
		return chunk >= wideChunkBytes ? {threads: '1', memory_limit: duckdbMemory(this.memoryLimit, chunk)} : {};
	}

	/**
	 * A DuckDB for the store's queries. A memory limit and a spill directory
	 * keep big sorts (history order, snapshot windows) from growing the
	 * process with the row count. The Trino macros live in the instance's
	 * catalog: defined once, seen by every connection. With `only` (a user's
	 * filter runs in it), it can reach files under those directories alone
	 * (duckdbInstance), and `/` divides integers as Trino does.
	 */
	private async createInstance(settings: Record<string, string> = {}, only?: string[]): Promise<Engine> {
		const spill = ownTempDir(path.join(this.dir, 'tmp'));
		const options = {threads: String(this.threads), memory_limit: this.memoryLimit, temp_directory: spill, ...settings};
		try {
			const setup = ['SET GLOBAL TimeZone = \'UTC\'', ...trinoMacros, ...valueMacros, ...(only ? trinoSettings : [])];
			return {instance: await duckdbInstance(options, setup, only), spill};
		} catch (error) {
			removeTempDir(spill);
			throw error;
		}
	}

	/**
	 * Runs `use` on the DuckDB for a query with the user's filter (`where`):
	 * one of its own that reaches the group's files and `writes` (a
	 * snapshot's directory) and nothing else, closed after. Without a filter,
	 * the store's instance for rows of `chunk` bytes (connect), or one of its
	 * own when `settings` differ. The statement itself is checked before it
	 * runs (checkedSql).
	 */
	private async withEngine<T>(group: FeatureGroup, where: string | undefined, use: (connect: () => Promise<DuckDBConnection>) => Promise<T>, options: {writes?: string[]; settings?: Record<string, string>; chunk?: number; except?: ExistingRows} = {}): Promise<T> {
		const {writes = [], settings = {}, chunk = 0, except} = options;
		if (where === undefined && Object.keys(settings).length === 0) return use(async () => this.connect(chunk));
		// A filter's DuckDB reads the group's files, and the target's it is compared with.
		const reads = except?.at.engine === 'duckdb' ? [except.at.dir] : [];
		const engine = await this.createInstance({...settings, ...this.fitted(chunk)}, where === undefined ? undefined : [this.dataDir(group), ...reads, ...writes]);
		try {
			return await use(async () => engine.instance.connect());
		} finally {
			this.closeEngine(engine);
		}
	}

	private closeEngine({instance, spill}: Engine) {
		instance.closeSync();
		removeTempDir(spill);
	}

	/**
	 * The statement `build` makes around the user's filter (`where`),
	 * checked by DuckDB's parser against the same statement around a
	 * placeholder (offline-filter.ts); without a filter, as built.
	 */
	private async checkedSql(connection: DuckDBConnection, group: FeatureGroup, where: string | undefined, build: (where: string | undefined) => string): Promise<string> {
		if (where === undefined) return build(undefined);
		// Athena's dialect, as the emulator runs it (trino.ts); then checked as DuckDB will read it.
		let translated: string;
		try {
			translated = await new TrinoTranslator(connection).expression(where);
		} catch (error) {
			if (!(error instanceof TrinoUnsupported)) throw error;
			throw usageError(`The filter on ${group.FeatureGroupName} uses what fs cannot run: ${error.detail}.`, 'docs/trino.md lists the functions and syntax fs runs as Athena does.', 'InvalidRequestException');
		}

		const sql = build(translated);
		await checkFilterSql(connection, group, sql, build(filterPlaceholder), this.files(group).length > 0 ? this.glob(group) : undefined);
		return sql;
	}

	hasStaged(name: string): boolean {
		return this.db.prepare('SELECT 1 FROM offline_staging WHERE group_name = ? LIMIT 1').get(name) !== undefined;
	}

	/**
	 * Write the group's staged rows to Parquet, one file per event-time hour.
	 * Runs inside a SQLite write transaction, so one flusher at a time and the
	 * staged rows are deleted only with the files in place. File names derive
	 * from the first staged row: a flush redone after a crash overwrites the
	 * files of the one that died instead of adding copies.
	 */
	async flush(group: FeatureGroup): Promise<void> {
		try {
			await this.flushStaged(group);
		} catch (error) {
			throw flushError(this.db, path.join(this.dir, 'store.sqlite'), group, error);
		}
	}

	private async flushStaged(group: FeatureGroup): Promise<void> {
		const name = group.FeatureGroupName;
		if (group.OfflineStoreConfig) this.finishPending(group);
		if (!group.OfflineStoreConfig || !this.hasStaged(name)) return;
		this.db.exec('BEGIN IMMEDIATE');
		try {
			const first = this.db.prepare('SELECT min(seq) AS seq, min(api_time_ms) AS at FROM offline_staging WHERE group_name = ?').get(name) as {seq: number | null; at: number};
			if (first.seq === null) {
				this.db.exec('COMMIT');
				return;
			}

			// In passes of bounded size, so memory does not grow with what is staged.
			// Pass boundaries follow from the staged rows alone: a redo after a
			// crash writes the same files again.
			let from = first.seq;
			for (;;) {
				const lastSeq = await this.writeParquet(group, from, first.at);
				if (lastSeq < from) break;
				from = lastSeq + 1;
			}

			this.db.prepare('DELETE FROM offline_staging WHERE group_name = ? AND seq < ?').run(name, from);
			this.db.exec('COMMIT');
		} catch (error) {
			this.db.exec('ROLLBACK');
			throw error;
		}
	}

	/** One pass of a flush: staged rows from `firstSeq` on as Parquet in place; returns the last row's seq. */
	private async writeParquet(group: FeatureGroup, firstSeq: number, firstApiMs: number): Promise<number> {
		const connection = await this.connect(chunkBytes(group.FeatureDefinitions));
		const temporary = path.join(this.dir, 'tmp', `flush-${process.pid}-${randomBytes(4).toString('hex')}`);
		try {
			const lastSeq = await writeStaged(this.db, connection, group, firstSeq, temporary);
			if (lastSeq >= firstSeq) placeFiles(this.dataDir(group), group, temporary, String(firstSeq), firstApiMs);
			return lastSeq;
		} finally {
			connection.closeSync();
			rmSync(temporary, {recursive: true, force: true});
		}
	}

	/**
	 * Move the files of committed bulk loads into place (see bulk.ts); a move a
	 * crash cut short is finished here, before anything reads the group.
	 */
	finishPending(group: FeatureGroup, only?: string) {
		const name = group.FeatureGroupName;
		const pending = this.db.prepare('SELECT dir, seed, api_time_ms FROM offline_pending WHERE group_name = ? AND (? IS NULL OR dir = ?)').all(name, only ?? null, only ?? null) as Array<{dir: string; seed: string; api_time_ms: number}>;
		for (const {dir, seed, api_time_ms: apiMs} of pending) {
			// Another writer may be moving the same files: what is gone is in place.
			placeFiles(this.dataDir(group), group, dir, seed, apiMs);
			rmSync(dir, {recursive: true, force: true});
			this.db.prepare('DELETE FROM offline_pending WHERE dir = ?').run(dir);
		}
	}

	/**
	 * A Parquet file of no rows with every column the group has now: reads
	 * take the files' columns by name (union_by_name), so a feature added to
	 * the group reads as NULL from files written before it, as in Athena.
	 */
	async writeSchemaFile(group: FeatureGroup): Promise<void> {
		const dir = this.dataDir(group);
		mkdirSync(dir, {recursive: true});
		const columns = [
			...group.FeatureDefinitions.map(feature => `CAST(NULL AS ${duckType(feature)}) AS ${sqlName(feature.FeatureName)}`),
			'CAST(NULL AS TIMESTAMP) AS write_time', 'CAST(NULL AS TIMESTAMP) AS api_invocation_time', 'CAST(NULL AS BOOLEAN) AS is_deleted',
		];
		const file = path.join(dir, `schema-${Date.now()}-${randomBytes(4).toString('hex')}.parquet`);
		await this.withConnection(0, async connection => connection.run(`COPY (SELECT ${columns.join(', ')} WHERE false) TO ${sqlString(file)} (FORMAT parquet)`));
	}

	/** Parquet files of the group, relative paths. */
	files(group: FeatureGroup): string[] {
		const dir = this.dataDir(group);
		if (!existsSync(dir)) return [];
		return (readdirSync(dir, {recursive: true}) as string[]).filter(file => file.endsWith('.parquet'));
	}

	clear(group: FeatureGroup): number {
		const dir = this.dataDir(group);
		const removed = this.files(group).length;
		this.db.prepare('DELETE FROM offline_staging WHERE group_name = ?').run(group.FeatureGroupName);
		for (const pending of this.db.prepare('SELECT dir FROM offline_pending WHERE group_name = ?').pluck().all(group.FeatureGroupName) as string[]) {
			rmSync(pending, {recursive: true, force: true});
		}

		this.db.prepare('DELETE FROM offline_pending WHERE group_name = ?').run(group.FeatureGroupName);
		rmSync(dir, {recursive: true, force: true});
		return removed;
	}

	private glob(group: FeatureGroup): string {
		return path.join(this.dataDir(group), '**', '*.parquet');
	}

	/** Rows in the group's files, from the Parquet footers (no scan). */
	private async storedRows(group: FeatureGroup, connection: DuckDBConnection): Promise<number> {
		if (this.files(group).length === 0) return 0;
		const reader = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(this.glob(group))}, hive_partitioning = false, union_by_name = true)`);
		return Number(reader.getRows()[0]![0]);
	}

	/**
	 * The rows of the group's history, staged ones included, without a
	 * flush (a staged row is one row once flushed): a group whose staged rows
	 * cannot be flushed can still be counted, and so cleared.
	 */
	async countHistory(group: FeatureGroup): Promise<number> {
		this.finishPending(group);
		const staged = this.db.prepare('SELECT count(*) FROM offline_staging WHERE group_name = ?').pluck().get(group.FeatureGroupName) as number;
		return staged + await this.withConnection(0, async connection => runUserQuery(async () => this.storedRows(group, connection), group, undefined));
	}

	/** The SQL for a query over the group's rows, and the output columns' names (offline-sql). */
	querySql(group: FeatureGroup, query: OfflineQuery, options: QueryOptions = {}): {sql: string; names: string[]} {
		return querySql(group, query, bucket => relationSql(group, this.files(group).length > 0 ? this.glob(group) : undefined, bucket), options);
	}

	/**
	 * Stream the rows of a query. Sorting a large offline store at once would
	 * hold it all in memory, so the identifiers are split by hash into buckets
	 * of about `rowsPerPass` rows, each sorted and streamed in turn: memory
	 * stays flat, every identifier's rows stay together and in event-time
	 * order, and the order is the same on every run (a resume reads the same
	 * sequence). A store small enough for one pass comes out sorted by
	 * identifier.
	 */
	async * read(group: FeatureGroup, query: OfflineQuery): AsyncGenerator<OfflineBatch> {
		// withEngine's, inline: a filter's DuckDB lives as long as the reader reads.
		const chunk = chunkBytes(group.FeatureDefinitions);
		const engine = query.where === undefined ? undefined : await this.createInstance(this.fitted(chunk), [this.dataDir(group)]);
		const close = () => engine && this.closeEngine(engine);
		const connection = await (engine ? engine.instance.connect() : this.connect(chunk)).catch((error: unknown) => {
			close();
			throw error;
		});
		try {
			const buckets = Math.max(1, Math.ceil(await this.storedRows(group, connection) / this.rowsPerPass));
			let remaining = query.limit ?? Number.POSITIVE_INFINITY;
			let chunks = 0;
			for (let index = 0; index < buckets && remaining > 0; index++) {
				const limit = Number.isFinite(remaining) ? remaining : undefined;
				const bucketQuery = (where: string | undefined) => this.querySql(group, {...query, where, limit}, {bucket: {index, of: buckets}, ...(query.sample ? {anyOrder: true} : {})});
				const {names} = bucketQuery(query.where);
				const sql = await this.checkedSql(connection, group, query.where, where => bucketQuery(where).sql);
				const result = await runUserQuery(() => connection.stream(sql), group, query.where);
				for (;;) {
					const chunk = await runUserQuery(() => result.fetchChunk(), group, query.where);
					if (!chunk || chunk.rowCount === 0) break;
					const columns = chunk.getColumns().map(column => column.map(apiValue));
					remaining -= chunk.rowCount;
					if (++chunks % 64 === 0) releaseNativeMemory();
					yield {names, columns, length: chunk.rowCount};
				}
			}
		} finally {
			connection.closeSync();
			close();
		}
	}

	/**
	 * Save the rows of a query as ordered Parquet files in `dir` (see
	 * Store.snapshotOffline), each sorted by identifier hash part first, so
	 * that each of `query.parts` parts is one range of rows per file. With
	 * parts, one file per DuckDB thread, written at once: a sorted COPY keeps
	 * a thread and a half busy, two of them both threads (a third less time).
	 * DuckDB's sorts spill to disk past its memory limit. Unordered (bulk
	 * loads): one file per part, its rows as stored, and its winners.
	 */
	async snapshot(group: FeatureGroup, query: OfflineQuery, dir: string): Promise<OfflineSnapshot> {
		mkdirSync(dir, {recursive: true});
		const parts = Math.max(1, Math.floor(query.parts ?? 1));
		const linked = query.unordered ? await this.linkedSnapshot(group, query, dir, parts) : undefined;
		if (linked) return linked;
		// Small row groups: a worker's slice of rows decodes little beyond
		// itself; of wide rows fewer, so that a worker's DuckDB holds one.
		const files = this.files(group).map(file => path.join(this.dataDir(group), file));
		const rowBytes = files.length === 0 ? 1 : await this.withConnection(0, async connection => averageRowBytes(connection, files));
		const rowGroup = Math.max(2048, Math.min(snapshotRowGroup, Math.floor(snapshotRowGroupBytes / rowBytes)));
		if (query.unordered) return this.unorderedSnapshot(group, query, dir, parts, rowGroup);
		// Wide rows one file at a time: each writer holds chunks of every column.
		const chunk = chunkBytes(group.FeatureDefinitions);
		const stored = files.reduce((sum, file) => sum + (statSync(file, {throwIfNoEntry: false})?.size ?? 0), 0);
		const count = parts > 1 && chunk < wideChunkBytes && stored >= this.parallelSnapshotBytes ? Math.max(1, Math.min(this.threads, parts)) : 1;
		// Every writer ends before a DuckDB of the filter's own closes, also when one fails.
		const written = await this.withEngine(group, query.where, async connect => allEnded(Array.from({length: count}, async (_, index) => {
			const connection = await connect();
			try {
				const {file, names, rows} = await this.writeSnapshotFile(connection, group, query, dir, index, rowGroup, {bucket: {index, of: count}, parts, typedMetadata: true});
				// One part is the whole file: a range too, so a load reads its rows without numbering the file's.
				return {file, names, rows, ranges: parts > 1 ? await this.partRanges(connection, group, file, parts) : [{file, first: 0, count: rows}]};
			} finally {
				connection.closeSync();
			}
		})), {writes: [dir], chunk, except: query.except});
		const snapshot: OfflineSnapshot = {kind: 'parquet', files: written.map(part => part.file), names: written[0]!.names, rows: written.reduce((sum, part) => sum + part.rows, 0)};
		// Each file's ranges in part order: part i of every file is worker i's.
		return written.every(part => part.ranges) ? {...snapshot, parts: written.flatMap(part => part.ranges!)} : snapshot;
	}

	/**
	 * A snapshot whose part i is file i, its identifiers' rows in no
	 * particular order: no sort (the costliest step of a sorted snapshot),
	 * and DuckDB need not keep the files' order either (its own instance,
	 * without preserve_insertion_order: a seventh less time). As many files
	 * are written at once as DuckDB has threads. Each part names its winners
	 * (SnapshotRange.winners), which bulk loads send online: what a replay in
	 * the sorted order leaves there, without the order.
	 */
	private async unorderedSnapshot(group: FeatureGroup, query: OfflineQuery, dir: string, parts: number, rowGroup: number): Promise<OfflineSnapshot> {
		const written: Array<{file: string; names: string[]; rows: number; winners: string}> = [];
		let next = 0;
		let failed = false;
		const chunk = chunkBytes(group.FeatureDefinitions);
		// Every writer ends before the instance closes, also when one fails. Wide rows one at a time.
		await this.withEngine(group, query.where, async connect => allEnded(Array.from({length: chunk >= wideChunkBytes ? 1 : Math.min(this.threads, parts)}, async () => {
			while (next < parts && !failed) {
				const index = next++;
				const connection = await connect();
				try {
					const part = await this.writeSnapshotFile(connection, group, query, dir, index, rowGroup, {bucket: {index, of: parts}, unordered: true, typedMetadata: true});
					const winners = path.join(dir, `winners-${String(index).padStart(5, '0')}.parquet`);
					await connection.run(winnersSql(group, `read_parquet(${sqlString(part.file)}, file_row_number = true)`, 'file_row_number', '__stored', winners));
					written[index] = {...part, winners};
				} catch (error) {
					failed = true;
					throw error;
				} finally {
					connection.closeSync();
				}
			}
		})), {writes: [dir], settings: {preserve_insertion_order: 'false'}, chunk, except: query.except});

		return {
			kind: 'parquet', files: written.map(part => part.file), names: written[0]!.names, rows: written.reduce((sum, part) => sum + part.rows, 0),
			parts: written.map(({file, rows, winners}) => ({file, first: 0, count: rows, winners})),
		};
	}

	/**
	 * A whole history without a filter: the group's own files, linked
	 * (snapshot-linked.ts), when they can be; else undefined.
	 */
	private async linkedSnapshot(group: FeatureGroup, query: OfflineQuery, dir: string, parts: number): Promise<OfflineSnapshot | undefined> {
		if (query.mode !== 'history' || query.where !== undefined || query.except !== undefined || query.limit !== undefined || query.columns !== undefined || !query.includeMetadata) return undefined;
		// In the glob's order, so that a row's place is what __stored says.
		const files = this.files(group).sort().map(file => path.join(this.dataDir(group), file));
		const {names} = this.querySql(group, query, {typedMetadata: true});
		return this.withConnection(0, async connection => linkedSnapshot(connection, group, files, names, dir, parts));
	}

	/** One snapshot file: the query's rows (of `options.bucket`) as `part-NNNNN.parquet`, `rowGroup` rows a row group. */
	private async writeSnapshotFile(connection: DuckDBConnection, group: FeatureGroup, query: OfflineQuery, dir: string, index: number, rowGroup: number, options: QueryOptions) {
		const {names} = this.querySql(group, query, options);
		const sql = await this.checkedSql(connection, group, query.where, where => this.querySql(group, {...query, where}, options).sql);
		const file = path.join(dir, `part-${String(index).padStart(5, '0')}.parquet`);
		// The line break ends a comment the checked query may end with, which would take the rest of COPY with it.
		const result = await runUserQuery(() => connection.run(`COPY (${sql}\n) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE ${rowGroup}, COMPRESSION lz4_raw)`), group, query.where);
		return {file, names, rows: result.rowsChanged};
	}

	/** `run` on a connection of its own, fitted for rows of `chunk` bytes a chunk (connect). */
	private async withConnection<T>(chunk: number, run: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
		const connection = await this.connect(chunk);
		try {
			return await run(connection);
		} finally {
			connection.closeSync();
		}
	}

	/**
	 * Where each part's rows start and end in a snapshot file. A part that is
	 * not one range (it cannot be, but a snapshot must not guess): undefined,
	 * and the workers share the rows by hash instead.
	 */
	private async partRanges(connection: DuckDBConnection, group: FeatureGroup, file: string, parts: number): Promise<SnapshotRange[] | undefined> {
		const reader = await connection.runAndReadAll(`SELECT ${partOf(group, parts)} AS part, count(*), min(file_row_number), max(file_row_number)
			FROM read_parquet(${sqlString(file)}, file_row_number = true) GROUP BY part ORDER BY part`);
		const found = new Map(reader.getRows().map(([part, count, first, last]) => [Number(part), {count: Number(count), first: Number(first), last: Number(last)}]));
		const ranges: SnapshotRange[] = [];
		let first = 0;
		for (let part = 0; part < parts; part++) {
			const range = found.get(part);
			if (range && (range.first !== first || range.last !== first + range.count - 1)) return undefined;
			ranges.push({file, first, count: range?.count ?? 0});
			first += range?.count ?? 0;
		}

		return ranges;
	}

	async * readSnapshot(snapshot: OfflineSnapshot, partition?: SnapshotPartition | SnapshotRange): AsyncGenerator<OfflineBatch> {
		if (snapshot.rows === 0) return;
		const connection = await this.connect(snapshotChunkBytes(snapshot.names));
		try {
			yield * readSnapshotFiles(connection, snapshot, partition);
		} finally {
			connection.closeSync();
		}
	}

	async count(group: FeatureGroup, query: Pick<OfflineQuery, 'mode' | 'where' | 'except' | 'residual'>): Promise<number> {
		const countSql = (where: string | undefined) => `SELECT count(*) AS n FROM (${this.querySql(group, {...query, where, columns: [group.RecordIdentifierFeatureName]}, {forCount: true}).sql})`;
		return this.withEngine(group, query.where, async connect => {
			const connection = await connect();
			try {
				const sql = await this.checkedSql(connection, group, query.where, countSql);
				const reader = await runUserQuery(() => connection.runAndReadAll(sql), group, query.where);
				return Number(reader.getRows()[0]![0]);
			} finally {
				connection.closeSync();
			}
		}, {except: query.except});
	}

	close() {
		for (const opened of [this.instance, this.wide]) void opened?.then(engine => this.closeEngine(engine), () => undefined);
		this.instance = undefined;
		this.wide = undefined;
		this.wideLimit = 0;
	}
}

/** Every promise settled, then the first failure thrown: nothing still runs when the caller goes on (and closes its DuckDB). */
async function allEnded<T>(promises: Array<Promise<T>>): Promise<T[]> {
	const settled = await Promise.allSettled(promises);
	const failure = settled.find(result => result.status === 'rejected');
	if (failure) throw failure.reason;
	return settled.map(result => (result as PromiseFulfilledResult<T>).value);
}
