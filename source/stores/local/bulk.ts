/**
 * Bulk loads into the embedded store (Store.bulkLoad): a migration's rows go
 * from a snapshot's Parquet to the offline store's Parquet and to the online
 * store in a few statements, with the rules record-by-record writes follow
 * (checks, the event-time rule, delete markers as SoftDeletes, TTL), instead
 * of as a million JavaScript objects.
 *
 * All or nothing, the checkpoint with it: the offline files are written aside,
 * then one SQLite transaction upserts the online records, saves the position
 * and records the files as pending; the files are moved into place after the
 * commit, and a move cut short by a crash is finished before the next read
 * (OfflineStore.finishPending).
 */
import {createHash} from 'node:crypto';
import {mkdirSync, rmSync, statSync} from 'node:fs';
import path from 'node:path';
import type {DuckDBConnection} from '@duckdb/node-api';
import type {FeatureGroup} from '../../core/types.js';
import {hasOfflineStore, hasOnlineStore} from '../../core/types.js';
import {averageRowBytes, chunkBytes, sqlName, sqlString, wideChunkBytes} from '../../io/duckdb.js';
import {partitionCondition} from '../snapshot-files.js';
import type {BulkLoad, BulkLoadResult} from '../store.js';
import {apiTexts, eventMillis, rawText, typedValue, valueChecks, type LoadColumn} from './bulk-sql.js';
import type {Catalog} from './catalog.js';
import type {Sqlite} from './database.js';
import type {OfflineStore} from './offline.js';
import {ttlMillis, type Records} from './records.js';
import {crashPoint} from '../../io/crash-points.js';

/** Event times a bulk load takes (ms): the years whose hours hourDirectory (offline-flush) names. */
const firstMillis = Date.UTC(1000, 0, 1);
const lastMillis = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * The rows' bytes (as Parquet stores them uncompressed) a load takes at
 * most: 50,000 rows of 20 features are ~8 MB; rows of 8 KB make loads of
 * 2,000 (fifty thousand of them ran DuckDB's 128 MB out).
 */
const bytesPerLoad = 16 * 1024 * 1024;
const minRowsPerLoad = 256;

/**
 * How far a load's rows are after each step, for progress inside a load (it
 * commits all at once): about how a narrow group's load spends its time.
 */
const stepShares = {checked: 0.3, offline: 0.65, online: 0.9} as const;

/** Event-time hours (offline partitions) written by one COPY: bounds DuckDB's buffers. */
const hoursPerCopy = 8;

/**
 * A row's event-time hour as a number: the offline partition (`__hour=N`),
 * which OfflineStore lays out as year=/month=/day=/hour= when it moves the
 * files; four strftime per row made the COPY half as slow again.
 */
const hourOf = 'CAST(floor(__ms / 3600000) AS BIGINT)';

export class BulkLoader {
	private readonly pending;
	private described?: FileFacts & {key: string};

	constructor(private readonly dir: string, private readonly db: Sqlite, private readonly catalog: Catalog, private readonly offline: OfflineStore, private readonly records: Records, private readonly faulty = false) {
		this.pending = db.prepare('INSERT OR REPLACE INTO offline_pending (dir, group_name, seed, api_time_ms) VALUES (?, ?, ?, ?)');
	}

	async load(asked: BulkLoad): Promise<BulkLoadResult> {
		const group = this.catalog.get(asked.FeatureGroupName);
		// Injected faults are drawn per record (tests of retries): such a store takes records only.
		const faulty = this.faulty ? 'faults are injected per record' : undefined;
		const connection = await this.offline.connect(chunkBytes(group.FeatureDefinitions));
		try {
			const facts = await this.fileFacts(connection, asked.file);
			// Wide rows make fewer per load: DuckDB holds a load several times over (staged, written, as JSON).
			const load = {...asked, limit: Math.min(asked.limit, Math.max(minRowsPerLoad, Math.floor(bytesPerLoad / facts.rowBytes)))};
			const columns = faulty ?? this.loadColumns(group, load, facts.types);
			const {total, first, last} = await step('reading', () => this.stage(connection, group, load, columns));
			if (typeof columns === 'string') return {ok: false, total, reason: columns};
			const {rows, deletes, bad, hours, bytes} = await this.summary(connection, columns);
			if (bad > 0) return {ok: false, total, reason: `${bad} rows need the record-by-record checks`};
			if (rows === 0) return {ok: true, total, rows, deletes, bytes};
			const progress = (step: keyof typeof stepShares) => load.progress?.(Math.round(rows * stepShares[step]));
			progress('checked');
			const now = Date.now();
			// What names the load's files: the same load redone writes the same names.
			const seed = JSON.stringify([load.file, load.partition ?? null, load.skip, load.checkpoint?.key ?? null]);
			const staged = hasOfflineStore(group) ? await step('offline store', () => this.writeOffline(connection, group, seed, now, hours)) : undefined;
			// An unordered snapshot's part names its winners: no choosing per load.
			const range = load.partition && 'file' in load.partition ? load.partition : undefined;
			const chosen = range?.winners ? {file: range.winners, base: range.base ?? 0, first: first!, last: last!} : undefined;
			progress('offline');
			const winners = hasOnlineStore(group) ? await step('online store', () => this.onlineWinners(connection, group, chosen)) : undefined;
			progress('online');
			const commit = this.db.transaction(() => {
				if (winners) this.upsertWinners(group, winners, now);
				if (staged) this.pending.run(staged, group.FeatureGroupName, seed, now);
				if (load.checkpoint) this.records.saveCheckpoint({key: load.checkpoint.key, position: load.checkpoint.position + rows});
			});
			this.records.withWriteLock(() => commit.immediate());
			crashPoint('bulk-committed');
			// Under the lock: outside it, the bookkeeping's write would wait in SQLite's busy handler, which sleeps.
			if (staged) this.records.withWriteLock(() => this.offline.finishPending(group, staged));
			return {ok: true, total, rows, deletes, bytes};
		} finally {
			await connection.run('DROP TABLE IF EXISTS bulk').catch(() => undefined);
			connection.closeSync();
		}
	}

	/** The target features and where their values come from; a string when bulk cannot load them. */
	private loadColumns(group: FeatureGroup, load: BulkLoad, types: Map<string, string>): LoadColumn[] | string {
		if (group.FeatureGroupStatus !== 'Created') return `${group.FeatureGroupName} is ${group.FeatureGroupStatus}`;
		if (group.FeatureDefinitions.some(feature => feature.CollectionType)) return 'collection features are checked record by record';
		for (const [feature, source] of Object.entries(load.columns)) {
			if (!types.has(source)) return `the file has no column ${source} for ${feature}`;
		}

		return group.FeatureDefinitions.map(feature => {
			const source = load.columns[feature.FeatureName];
			return {feature, source, sourceType: source === undefined ? undefined : types.get(source)};
		});
	}

	/**
	 * A file's column types and its rows' average size (uncompressed, from
	 * the footer). A worker's loads read one snapshot file after another: the
	 * last one's facts are kept (reading the footer takes a few milliseconds
	 * a load), known again by path, size and time.
	 */
	private async fileFacts(connection: DuckDBConnection, file: string): Promise<FileFacts> {
		const {size, mtimeMs} = statSync(file);
		const key = JSON.stringify([file, size, mtimeMs]);
		if (this.described?.key !== key) {
			const types = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`);
			this.described = {key, types: new Map(types.getRows().map(row => [String(row[0]), String(row[1])])), rowBytes: await averageRowBytes(connection, file)};
		}

		return this.described;
	}

	/**
	 * The load's rows as table `bulk`, in the file's order; returns the
	 * (partitioned) file's row count and the file rows the load takes.
	 */
	private async stage(connection: DuckDBConnection, group: FeatureGroup, load: BulkLoad, columns: LoadColumn[] | string): Promise<{total: number; first?: number; last?: number}> {
		const where = partitionCondition(load.partition);
		// file_row_number keeps the file's order whatever DuckDB's threads do.
		// Numbering the partition's rows reads two columns; the load's own rows
		// are then one range of file rows, read in full.
		const file = `read_parquet(${sqlString(load.file)}, file_row_number = true)`;
		const [total, first, last] = await this.rowRange(connection, load, file, where);
		if (typeof columns === 'string') return {total};
		const deleted = load.deletedColumn ? `coalesce(CAST(${sqlName(load.deletedColumn)} AS VARCHAR) = 'true', false)` : 'false';
		const values = columns.map((_, index) => `__v${index}`);
		const raws = columns.map(rawText);
		const checks = columns.flatMap((column, index) => valueChecks(column, `__v${index}`, raws[index] && `__r${index}`, roleOf(group, column)));
		const time = columns.findIndex(column => column.feature.FeatureName === group.EventTimeFeatureName);
		// Typed values (and the raw text checks read) first; then the checks
		// and the event time in milliseconds (the online rule, the offline
		// partitions) from them, a level up (DuckDB binds a column alias read
		// in its own SELECT list slowly: seconds at 2,500 features). __n, the
		// file's row number, keeps the file's order. Event times outside the
		// years 1000–9999 go record by record: the offline directories are
		// named from the hour in JavaScript.
		await connection.run(`CREATE OR REPLACE TEMP TABLE bulk AS
			SELECT __n, ${values.join(', ')}, __deleted, __ms, (${checks.join(' AND ')} AND coalesce(__ms BETWEEN ${firstMillis} AND ${lastMillis}, false)) AS __ok FROM (
				SELECT *, ${eventMillis(columns[time]!.feature, `__v${time}`)} AS __ms FROM (
					SELECT file_row_number AS __n, ${deleted} AS __deleted,
						${[...columns.map((column, index) => `${typedValue(column)} AS __v${index}`), ...raws.flatMap((raw, index) => (raw ? [`${raw} AS __r${index}`] : []))].join(', ')}
					FROM ${file}
					WHERE ${first === undefined ? 'false' : `file_row_number BETWEEN ${first} AND ${last} AND ${where}`}
				)
			)`);
		return {total, first, last};
	}

	/** The (partitioned) file's row count, and the file rows the load takes (none: undefined). */
	private async rowRange(connection: DuckDBConnection, load: BulkLoad, file: string, where: string): Promise<[number, number?, number?]> {
		const {partition, skip, limit} = load;
		if (partition && 'file' in partition) {
			// A snapshot's part: a range of rows already.
			const first = partition.first + skip;
			const last = Math.min(partition.first + partition.count, first + limit) - 1;
			return first > last ? [partition.count] : [partition.count, first, last];
		}

		if (!partition || partition.of === 1) {
			// The whole file: its row count from the footer, the rows by number.
			const total = Number((await connection.runAndReadAll(`SELECT count(*) FROM ${file}`)).getRows()[0]![0]);
			const last = Math.min(total, skip + limit) - 1;
			return skip > last ? [total] : [total, skip, last];
		}

		const range = await connection.runAndReadAll(`SELECT count(*), min(file_row_number) FILTER (WHERE __n > ${skip} AND __n <= ${skip + limit}),
				max(file_row_number) FILTER (WHERE __n > ${skip} AND __n <= ${skip + limit})
			FROM (SELECT file_row_number, row_number() OVER (ORDER BY file_row_number) AS __n FROM ${file} WHERE ${where})`);
		const [total, first, last] = range.getRows()[0]!;
		return first === null ? [Number(total)] : [Number(total), Number(first), Number(last)];
	}

	/**
	 * The staged rows in one scan: how many, delete markers, rows failing a
	 * check, event-time hours, and their size as the bytes counter takes it
	 * (feature names and values; a number counts 8 bytes, text is not made).
	 */
	private async summary(connection: DuckDBConnection, columns: LoadColumn[]): Promise<{rows: number; deletes: number; bad: number; hours: number; bytes: number}> {
		// Per column the values (and the text's bytes), weighed here: a third of
		// the scan's time next to adding up twenty sizes per row in SQL.
		const sizes = columns.flatMap(({feature}, index) => (feature.FeatureType === 'String' ? [`count(__v${index})`, `sum(strlen(__v${index}))`] : [`count(__v${index})`]));
		const reader = await connection.runAndReadAll(`SELECT count(*), count(*) FILTER (WHERE __deleted), count(*) FILTER (WHERE NOT __ok),
			count(DISTINCT ${hourOf}), ${sizes.join(', ')} FROM bulk`);
		const [rows, deletes, bad, hours, ...aggregates] = reader.getRows()[0]!.map(Number);
		let bytes = 0;
		for (const {feature} of columns) {
			const name = Buffer.byteLength(feature.FeatureName);
			const values = aggregates.shift()!;
			bytes += feature.FeatureType === 'String' ? values * name + (aggregates.shift() || 0) : values * (name + 8);
		}

		return {rows: rows!, deletes: deletes!, bad: bad!, hours: hours!, bytes};
	}

	/** Offline rows as Parquet in a directory of their own, partitioned by event time; returns the directory. */
	private async writeOffline(connection: DuckDBConnection, group: FeatureGroup, seed: string, now: number, hourCount: number): Promise<string> {
		const features = group.FeatureDefinitions;
		const time = features.findIndex(feature => feature.FeatureName === group.EventTimeFeatureName);
		const id = features.findIndex(feature => feature.FeatureName === group.RecordIdentifierFeatureName);
		// Named after the load: a load redone after a crash starts from a clean directory.
		const staged = path.join(this.dir, 'tmp', `load-${createHash('sha256').update(seed).digest('hex').slice(0, 20)}`);
		rmSync(staged, {recursive: true, force: true});
		const at = `make_timestamp(${now * 1000})`;
		// A delete marker holds the identifier and event time only, as DeleteRecord writes it.
		const values = features.map((feature, index) => (index === id || index === time ? `__v${index}` : `CASE WHEN __deleted THEN NULL ELSE __v${index} END`) + ` AS ${sqlName(feature.FeatureName)}`);
		// DuckDB buffers every open partition in memory: rows spread over many
		// event-time hours are written a few hours at a time. A load within a
		// few hours (the usual case) is one COPY of every row, unfiltered.
		// Wide rows an hour at a time, each its own COPY without PARTITION_BY:
		// even one open partition buffers several chunks of every column.
		const columns = `${values.join(', ')}, ${at} AS write_time, ${at} AS api_invocation_time, __deleted AS is_deleted`;
		if (chunkBytes(features) >= wideChunkBytes) {
			for (const [hour] of (await connection.runAndReadAll(`SELECT DISTINCT ${hourOf} FROM bulk ORDER BY 1`)).getRows()) {
				const file = path.join(staged, `__hour=${String(hour)}`, 'part_0.parquet');
				mkdirSync(path.dirname(file), {recursive: true});
				await connection.run(`COPY (SELECT ${columns} FROM bulk WHERE ${hourOf} = ${String(hour)}) TO ${sqlString(file)} (FORMAT parquet)`);
			}

			return staged;
		}

		const hours = hourCount <= hoursPerCopy
			? ['true']
			: (await connection.runAndReadAll(`SELECT DISTINCT ${hourOf} AS h FROM bulk ORDER BY h`)).getRows().map(row => String(row[0]));
		for (let first = 0; first < hours.length; first += hoursPerCopy) {
			const chunk = hourCount <= hoursPerCopy ? 'true' : `${hourOf} IN (${hours.slice(first, first + hoursPerCopy).join(', ')})`;
			await connection.run(`COPY (
				SELECT ${columns}, ${hourOf} AS __hour
				FROM bulk WHERE ${chunk}
			) TO ${sqlString(staged)} (FORMAT parquet, PARTITION_BY (__hour), OVERWRITE_OR_IGNORE true, FILENAME_PATTERN 'part${first}_{i}')`);
		}

		return staged;
	}

	/**
	 * Per identifier, the row the online store ends with: the first of its
	 * latest event time (a later put with the same event time does not
	 * replace it). The record is JSON with a feature without a value as null
	 * (DuckDB's own to_json; Records.getRecord leaves nulls out). A grouped
	 * arg_max picks the rows: a window over every row would carry all the
	 * load's columns through its sort, several times slower. An unordered
	 * snapshot's part names its winners (`chosen`): those of the load's rows
	 * go online, the others are history only.
	 */
	private async onlineWinners(connection: DuckDBConnection, group: FeatureGroup, chosen?: {file: string; base: number; first: number; last: number}): Promise<Winners> {
		const features = group.FeatureDefinitions;
		const time = features.findIndex(feature => feature.FeatureName === group.EventTimeFeatureName);
		const id = features.findIndex(feature => feature.FeatureName === group.RecordIdentifierFeatureName);
		const api = apiTexts(features, index => `__v${index}`);
		const texts = features.map((feature, index) => `${sqlString(feature.FeatureName)}: ${api.texts[index]!}`);
		const marker = `{${texts[id]!}, ${texts[time]!}}`;
		const reader = await connection.runAndReadAll(`SELECT __v${id}, __ms, __deleted,
				CASE WHEN __deleted THEN CAST(to_json(${marker}) AS VARCHAR) ELSE CAST(to_json({${texts.join(', ')}}) AS VARCHAR) END
			FROM (
				SELECT ${['*', ...api.select].join(', ')} FROM bulk
				WHERE __n IN (${chosen
		? `SELECT n - ${chosen.base} FROM read_parquet(${sqlString(chosen.file)}) WHERE n BETWEEN ${chosen.base + chosen.first} AND ${chosen.base + chosen.last}`
		: `SELECT arg_max(__n, (__ms, -__n)) FROM bulk GROUP BY __v${id}`})
			)
			ORDER BY __v${id}`);
		// No chunk at all when no row of the load is a winner (an unordered snapshot's history).
		const [ids = [], times = [], deleted = [], records = []] = reader.getColumns() as [string[]?, bigint[]?, boolean[]?, string[]?];
		return {ids, times, deleted, records};
	}

	/** Through Records' own upsert: the event-time rule lives in one statement. */
	private upsertWinners(group: FeatureGroup, winners: Winners, now: number) {
		const ttl = ttlMillis(group.OnlineStoreConfig?.TtlDuration);
		const upsert = this.records.upsertOnline;
		for (let row = 0; row < winners.ids.length; row++) {
			const time = Number(winners.times[row]);
			const deleted = winners.deleted[row]!;
			upsert.run(group.FeatureGroupName, winners.ids[row]!, time, winners.records[row]!, deleted ? 1 : 0, deleted || ttl === undefined ? null : time + ttl, now);
		}
	}
}

interface FileFacts {
	types: Map<string, string>;
	rowBytes: number;
}

interface Winners {
	ids: string[];
	times: bigint[];
	deleted: boolean[];
	records: string[];
}

function roleOf(group: FeatureGroup, column: LoadColumn): 'id' | 'time' | undefined {
	if (column.feature.FeatureName === group.RecordIdentifierFeatureName) return 'id';
	if (column.feature.FeatureName === group.EventTimeFeatureName) return 'time';
	return undefined;
}

/** Errors say which step of a load failed. */
async function step<T>(name: string, run: () => Promise<T>): Promise<T> {
	try {
		return await run();
	} catch (error) {
		(error as Error).message = `${name}: ${(error as Error).message}`;
		throw error;
	}
}
