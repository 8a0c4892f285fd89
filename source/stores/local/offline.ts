/**
 * The embedded offline store: Parquet files in SageMaker's S3 layout, read
 * with DuckDB. Rows are staged in SQLite as they are written (durable, in the
 * same transaction as the online write) and flushed to Parquet before any read
 * and when the store closes — the service too lands rows some minutes late.
 */
import {createHash, randomBytes} from 'node:crypto';
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api';
import {usageError} from '../../core/errors.js';
import type {FeatureDefinition, FeatureGroup} from '../../core/types.js';
import type {OfflineBatch, OfflineQuery, OfflineSnapshot, SnapshotPartition, SnapshotRange} from '../store.js';
import type {Sqlite} from './database.js';
import {s3Path} from './layout.js';
import {filterHint, prestoMacros, rewritePresto} from './presto.js';
import {releaseNativeMemory} from '../../io/native-memory.js';
import {duckdbMemory, duckType, loadDuckDB, sqlName, sqlString} from '../../io/duckdb.js';
import {valueMacros} from './bulk-sql.js';
import {apiValue, readSnapshotFiles} from '../snapshot-files.js';

export const metadataColumns = ['write_time', 'api_invocation_time', 'is_deleted'] as const;

interface StagedRow {
	seq: number;
	event_time_ms: number;
	write_time_ms: number;
	api_time_ms: number;
	is_deleted: number;
	record: string;
}

/** Staged rows written to Parquet per pass of a flush. */
const rowsPerFlushPass = 50_000;

/** Rows sorted per pass when reading in identifier order (see read). */
export const defaultRowsPerPass = 100_000;

/**
 * Rows per Parquet row group in snapshots (DuckDB's default is 122,880).
 * Snapshots are LZ4: a little smaller than Snappy and read a tenth faster.
 */
const snapshotRowGroup = 16_384;

interface Bucket {
	index: number;
	of: number;
}

export class OfflineStore {
	private instance?: Promise<DuckDBInstance>;

	constructor(private readonly dir: string, private readonly db: Sqlite, private readonly rowsPerPass = defaultRowsPerPass, private readonly memoryLimit = duckdbMemory('256MB'), private readonly threads = 2) {}

	dataDir(group: FeatureGroup): string {
		return s3Path(this.dir, group.OfflineStoreConfig!.S3StorageConfig.ResolvedOutputS3Uri!);
	}

	async connect(): Promise<DuckDBConnection> {
		// A memory limit and a spill directory keep big sorts (history order,
		// snapshot windows) from growing the process with the row count. The
		// Presto macros live in the instance's catalog: defined once, seen by
		// every connection.
		this.instance ??= loadDuckDB().then(async ({DuckDBInstance}) => {
			const instance = await DuckDBInstance.create(':memory:', {
				threads: String(this.threads),
				memory_limit: this.memoryLimit,
				temp_directory: path.join(this.dir, 'tmp', 'duckdb'),
			});
			const setup = await instance.connect();
			await setup.run('SET GLOBAL TimeZone = \'UTC\'');
			for (const macro of [...prestoMacros, ...valueMacros]) await setup.run(macro);
			setup.closeSync();
			return instance;
		});
		return (await this.instance).connect();
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

	private async writeParquet(group: FeatureGroup, firstSeq: number, firstApiMs: number): Promise<number> {
		const features = group.FeatureDefinitions;
		const {DuckDBDataChunk, BIGINT, BOOLEAN, VARCHAR} = await loadDuckDB();
		const connection = await this.connect();
		const temporary = path.join(this.dir, 'tmp', `flush-${process.pid}-${randomBytes(4).toString('hex')}`);
		try {
			// The staged JSON goes to DuckDB as it is and DuckDB takes it apart:
			// parsing a million records in C++ beats JSON.parse and twenty appends each.
			await connection.run('CREATE OR REPLACE TEMP TABLE stage (rec VARCHAR, __et BIGINT, __wt BIGINT, __at BIGINT, __del BOOLEAN)');
			const appender = await connection.createAppender('stage', 'main', 'temp');
			const types = [VARCHAR, BIGINT, BIGINT, BIGINT, BOOLEAN];
			const page = this.db.prepare('SELECT seq, event_time_ms, write_time_ms, api_time_ms, is_deleted, record FROM offline_staging WHERE group_name = ? AND seq > ? ORDER BY seq LIMIT 2048');
			let lastSeq = firstSeq - 1;
			let staged = 0;
			while (staged < rowsPerFlushPass) {
				const rows = page.all(group.FeatureGroupName, lastSeq) as StagedRow[];
				if (rows.length === 0) break;
				staged += rows.length;
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
			const casts = features.map(feature => `${castFromJson(feature)} AS ${sqlName(feature.FeatureName)}`);
			const time = 'make_timestamp(__et * 1000)';
			await connection.run(`COPY (
				SELECT ${casts.join(', ')},
					make_timestamp(__wt * 1000) AS write_time, make_timestamp(__at * 1000) AS api_invocation_time, __del AS is_deleted,
					strftime(${time}, '%Y') AS year, strftime(${time}, '%m') AS month, strftime(${time}, '%d') AS day, strftime(${time}, '%H') AS hour
				FROM stage
			) TO ${sqlString(temporary)} (FORMAT parquet, PARTITION_BY (year, month, day, hour))`);
			this.placeFiles(group, temporary, String(firstSeq), firstApiMs);
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
			this.placeFiles(group, dir, seed, apiMs);
			rmSync(dir, {recursive: true, force: true});
			this.db.prepare('DELETE FROM offline_pending WHERE dir = ?').run(dir);
		}
	}

	/**
	 * Move DuckDB's partition files into place under SageMaker's names. The
	 * names derive from `seed`: placing the same files again overwrites them.
	 */
	private placeFiles(group: FeatureGroup, temporary: string, seed: string, firstApiMs: number) {
		const stamp = new Date(firstApiMs).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
		const target = this.dataDir(group);
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
			mkdirSync(path.join(target, partition), {recursive: true});
			try {
				renameSync(path.join(temporary, file), path.join(target, partition, `${stamp}_${digest}.parquet`));
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
			}
		}
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

	/**
	 * The group's rows as a relation: its Parquet files, or an empty typed one.
	 * With a bucket, only the identifiers whose hash falls in it.
	 */
	private relation(group: FeatureGroup, bucket?: Bucket): string {
		if (this.files(group).length === 0) {
			const empty = [
				...group.FeatureDefinitions.map(feature => `CAST(NULL AS ${duckType(feature)}) AS ${sqlName(feature.FeatureName)}`),
				'CAST(NULL AS TIMESTAMP) AS write_time', 'CAST(NULL AS TIMESTAMP) AS api_invocation_time', 'CAST(NULL AS BOOLEAN) AS is_deleted',
				'0 AS __stored',
			];
			return `(SELECT ${empty.join(', ')} WHERE false)`;
		}

		// Where a row is stored (DuckDB's virtual columns: the file's index in
		// name order, the row's number in it) is the last key of every order:
		// rows alike in identifier, event time, API and write time (puts within
		// one millisecond) keep the order they were written in.
		const files = `read_parquet(${sqlString(this.glob(group))}, hive_partitioning = false, union_by_name = true)`;
		const inBucket = bucket && bucket.of > 1 ? `WHERE hash(${sqlName(group.RecordIdentifierFeatureName)}) % ${bucket.of} = ${bucket.index}` : '';
		return `(SELECT *, (CAST(file_index AS BIGINT) << 40) + file_row_number AS __stored FROM ${files} ${inBucket})`;
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

	/** The SQL for a query, and the output columns' names. */
	/**
	 * `typedMetadata` (snapshots): write and API times stay TIMESTAMP and
	 * is_deleted BOOLEAN; as text they made the snapshot's sort half as large
	 * again (past DuckDB's memory: spilled), and no reader of a snapshot needs
	 * their text.
	 */
	querySql(group: FeatureGroup, query: OfflineQuery, forCount = false, bucket?: Bucket, parts = 1, typedMetadata = false): {sql: string; names: string[]} {
		const features = query.columns ?? group.FeatureDefinitions.map(feature => feature.FeatureName);
		const byName = new Map(group.FeatureDefinitions.map(feature => [feature.FeatureName, feature]));
		for (const name of features) {
			if (!byName.has(name)) {
				throw usageError(
					`${group.FeatureGroupName} has no feature ${JSON.stringify(name)}.`,
					`Pick columns from: ${[...byName.keys()].join(', ')}.`,
				);
			}
		}

		const names = query.includeMetadata ? [...features, ...metadataColumns] : features;
		const select = names.map(name => {
			const feature = byName.get(name);
			const column = sqlName(name);
			if (feature?.CollectionType) return `CAST(${column} AS VARCHAR[]) AS ${column}`;
			// Numbers keep their type (exact BIGINT, DOUBLE): snapshots stay typed for bulk loads.
			if (feature?.FeatureType === 'Fractional' || feature?.FeatureType === 'Integral') return column;
			if (typedMetadata && !feature) return column;
			if (name === 'write_time' || name === 'api_invocation_time') return `strftime(${column}, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${column}`;
			return `CAST(${column} AS VARCHAR) AS ${column}`;
		});
		const id = sqlName(group.RecordIdentifierFeatureName);
		const eventFeature = byName.get(group.EventTimeFeatureName)!;
		const eventTime = eventFeature.FeatureType === 'String'
			? `TRY_CAST(${sqlName(eventFeature.FeatureName)} AS TIMESTAMP)`
			: sqlName(eventFeature.FeatureName);
		const where = query.where ? `WHERE (${rewritePresto(query.where)})` : '';
		const limit = query.limit === undefined || forCount ? '' : `LIMIT ${Math.floor(query.limit)}`;
		// Parts first (snapshots): each part is then one range of rows.
		const byPart = parts > 1 ? `${partOf(group, parts)}, ` : '';
		if (query.mode === 'snapshot') {
			const order = forCount ? '' : `ORDER BY ${byPart}${id}`;
			return {
				names,
				sql: `SELECT ${select.join(', ')} FROM (
					SELECT *, row_number() OVER (PARTITION BY ${id} ORDER BY ${eventTime} DESC, api_invocation_time DESC, write_time DESC, __stored DESC) AS __rn
					FROM ${this.relation(group, bucket)} ${where}
				) WHERE __rn = 1 AND NOT is_deleted ${order} ${limit}`,
			};
		}

		const order = forCount ? '' : `ORDER BY ${byPart}${id}, ${eventTime}, api_invocation_time, write_time, __stored`;
		return {names, sql: `SELECT ${select.join(', ')} FROM ${this.relation(group, bucket)} ${where} ${order} ${limit}`};
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
		const connection = await this.connect();
		try {
			const buckets = Math.max(1, Math.ceil(await this.storedRows(group, connection) / this.rowsPerPass));
			let remaining = query.limit ?? Number.POSITIVE_INFINITY;
			let chunks = 0;
			for (let index = 0; index < buckets && remaining > 0; index++) {
				const limit = Number.isFinite(remaining) ? remaining : undefined;
				const {sql, names} = this.querySql(group, {...query, limit}, false, {index, of: buckets});
				const result = await runUserQuery(() => connection.stream(sql), group);
				for (;;) {
					const chunk = await runUserQuery(() => result.fetchChunk(), group);
					if (!chunk || chunk.rowCount === 0) break;
					const columns = chunk.getColumns().map(column => column.map(apiValue));
					remaining -= chunk.rowCount;
					if (++chunks % 64 === 0) releaseNativeMemory();
					yield {names, columns, length: chunk.rowCount};
				}
			}
		} finally {
			connection.closeSync();
		}
	}

	/**
	 * Save the rows of a query as ordered Parquet files in `dir` (see
	 * Store.snapshotOffline), each sorted by identifier hash part first, so
	 * that each of `query.parts` parts is one range of rows per file. With
	 * parts, one file per DuckDB thread, written at once: a sorted COPY keeps
	 * a thread and a half busy, two of them both threads (a third less time).
	 * DuckDB's sorts spill to disk past its memory limit.
	 */
	async snapshot(group: FeatureGroup, query: OfflineQuery, dir: string): Promise<OfflineSnapshot> {
		mkdirSync(dir, {recursive: true});
		const parts = Math.max(1, Math.floor(query.parts ?? 1));
		const count = parts > 1 ? Math.max(1, Math.min(this.threads, parts)) : 1;
		const written = await Promise.all(Array.from({length: count}, async (_, index) => {
			const connection = await this.connect();
			try {
				const {sql, names} = this.querySql(group, query, false, {index, of: count}, parts, true);
				const file = path.join(dir, `part-${String(index).padStart(5, '0')}.parquet`);
				// Small row groups: a worker's slice of rows decodes little beyond itself.
				const result = await runUserQuery(() => connection.run(`COPY (${sql}) TO ${sqlString(file)} (FORMAT parquet, ROW_GROUP_SIZE ${snapshotRowGroup}, COMPRESSION lz4_raw)`), group);
				const rows = result.rowsChanged;
				// One part is the whole file: a range too, so a load reads its rows without numbering the file's.
				return {file, names, rows, ranges: parts > 1 ? await this.partRanges(connection, group, file, parts) : [{file, first: 0, count: rows}]};
			} finally {
				connection.closeSync();
			}
		}));
		const snapshot: OfflineSnapshot = {kind: 'parquet', files: written.map(part => part.file), names: written[0]!.names, rows: written.reduce((sum, part) => sum + part.rows, 0)};
		// Each file's ranges in part order: part i of every file is worker i's.
		return written.every(part => part.ranges) ? {...snapshot, parts: written.flatMap(part => part.ranges!)} : snapshot;
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
		const connection = await this.connect();
		try {
			yield * readSnapshotFiles(connection, snapshot, partition);
		} finally {
			connection.closeSync();
		}
	}

	async count(group: FeatureGroup, query: Pick<OfflineQuery, 'mode' | 'where'>): Promise<number> {
		const {sql} = this.querySql(group, {...query, columns: [group.RecordIdentifierFeatureName]}, true);
		const connection = await this.connect();
		try {
			const reader = await runUserQuery(() => connection.runAndReadAll(`SELECT count(*) AS n FROM (${sql})`), group);
			return Number(reader.getRows()[0]![0]);
		} finally {
			connection.closeSync();
		}
	}

	close() {
		void this.instance?.then(instance => instance.closeSync());
		this.instance = undefined;
	}
}

/** A bulk load's `__hour=N` partition as SageMaker's directories of that event-time hour. */
export function hourDirectory(dir: string): string {
	const match = /^__hour=(-?\d+)$/.exec(dir);
	if (!match) return dir;
	const at = new Date(Number(match[1]) * 3_600_000).toISOString();
	return path.join(`year=${at.slice(0, 4)}`, `month=${at.slice(5, 7)}`, `day=${at.slice(8, 10)}`, `hour=${at.slice(11, 13)}`);
}

/** A row's part of `parts` by its identifier: the same SQL on the store's rows and on the snapshot's. */
const partOf = (group: FeatureGroup, parts: number) => `hash(${sqlName(group.RecordIdentifierFeatureName)}) % ${parts}`;

/** SQL taking a feature's value out of the staged record JSON, in the feature's type. */
function castFromJson(feature: FeatureDefinition): string {
	const path = sqlString(`$."${feature.FeatureName}"`);
	if (feature.CollectionType) return `from_json(json_extract(rec, ${path}), '[${JSON.stringify(duckType(feature).replace('[]', ''))}]')`;
	const text = `json_extract_string(rec, ${path})`;
	return feature.FeatureType === 'String' ? text : `CAST(${text} AS ${duckType(feature)})`;
}


async function runUserQuery<T>(run: () => Promise<T>, group: FeatureGroup): Promise<T> {
	try {
		return await run();
	} catch (error) {
		const message = (error as Error).message.split('\n')[0]!;
		if (/Binder Error|Parser Error|Conversion Error|Catalog Error|Invalid Input Error/i.test(message)) {
			throw usageError(
				`The query engine refused the filter on ${group.FeatureGroupName}: ${message}`,
				filterHint(message, group.EventTimeFeatureName) ?? 'Check the WHERE clause against `fs schema GROUP`.',
				'InvalidRequestException',
			);
		}

		throw error;
	}
}
