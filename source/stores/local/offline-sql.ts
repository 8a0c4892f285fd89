/**
 * The embedded offline store's SQL: a group's rows as a DuckDB relation, the
 * query over them (history or latest snapshot, in the one order every reader
 * relies on), and query-engine errors turned into the user's.
 */
import path from 'node:path';
import {runtimeError, usageError} from '../../core/errors.js';
import {metadataColumns} from '../../core/names.js';
import type {FeatureDefinition, FeatureGroup} from '../../core/types.js';
import {duckType, sqlName, sqlString} from '../../io/duckdb.js';
import type {OfflineQuery} from '../store.js';
import {sameRowCondition} from '../existing-sql.js';
import {filterHint} from './trino.js';

/** The identifiers whose hash falls in bucket `index` of `of`. */
export interface Bucket {
	index: number;
	of: number;
}

export interface QueryOptions {
	/** The count's query: no order, no limit. */
	forCount?: boolean;
	bucket?: Bucket;
	/** Parts of a snapshot: ordered part first, each part is one range of rows. */
	parts?: number;
	/**
	 * Snapshots: write and API times stay TIMESTAMP and is_deleted BOOLEAN;
	 * as text they made the snapshot's sort half as large again (past
	 * DuckDB's memory: spilled), and no reader of a snapshot needs their text.
	 */
	typedMetadata?: boolean;
	/** No ORDER BY: the rows in the order they are stored (a bucket is one part). */
	unordered?: boolean;
	/** No ORDER BY and nothing added (a sample of rows: OfflineQuery.sample). */
	anyOrder?: boolean;
}

/**
 * The group's rows as a relation: its Parquet files (`glob`), or an empty
 * typed one. With a bucket, only the identifiers whose hash falls in it.
 */
export function relationSql(group: FeatureGroup, glob: string | undefined, bucket?: Bucket): string {
	if (glob === undefined) {
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
	const files = `read_parquet(${sqlString(glob)}, hive_partitioning = false, union_by_name = true)`;
	const inBucket = bucket && bucket.of > 1 ? `WHERE hash(${sqlName(group.RecordIdentifierFeatureName)}) % ${bucket.of} = ${bucket.index}` : '';
	return `(SELECT *, ${storedPosition} AS __stored FROM ${files} ${inBucket})`;
}

/** The SQL for a query over `relation(bucket)`, and the output columns' names. */
export function querySql(group: FeatureGroup, query: OfflineQuery, relation: (bucket?: Bucket) => string, options: QueryOptions = {}): {sql: string; names: string[]} {
	const {forCount = false, bucket, parts = 1, typedMetadata = false} = options;
	if (query.mode === 'winners') throw new Error('The embedded store reads winners in its unordered snapshots (winnersSql), not as a query mode.');
	const noOrder = forCount || options.unordered === true || options.anyOrder === true;
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
	// Unordered snapshots keep where each row is stored, the last key of the winners (winnersSql).
	if (options.unordered) select.push('__stored');
	const id = sqlName(group.RecordIdentifierFeatureName);
	const eventFeature = byName.get(group.EventTimeFeatureName)!;
	const eventTime = eventTimeKey(eventFeature);
	const filter = query.where ? `WHERE (${query.where})` : '';
	// Rows the target holds already stay out: compared in one anti-join, where the rows are.
	const existing = exceptSql(query, '__s');
	const where = existing && query.mode !== 'snapshot' ? `${filter ? `${filter} AND` : 'WHERE'} ${existing}` : filter;
	const limit = query.limit === undefined || forCount ? '' : `LIMIT ${Math.floor(query.limit)}`;
	// Parts first (snapshots): each part is then one range of rows.
	const byPart = parts > 1 ? `${partOf(group, parts)}, ` : '';
	if (query.mode === 'snapshot') {
		const order = noOrder ? '' : `ORDER BY ${byPart}${id}`;
		return {
			names,
			sql: `SELECT ${select.join(', ')} FROM (
				SELECT *, row_number() OVER (PARTITION BY ${id} ORDER BY ${eventTime} DESC, api_invocation_time DESC, write_time DESC, __stored DESC) AS __rn
				FROM ${relation(bucket)} ${where}
			) AS __s WHERE __rn = 1 AND NOT is_deleted ${existing ? `AND ${existing}` : ''} ${order} ${limit}`,
		};
	}

	const order = noOrder ? '' : `ORDER BY ${byPart}${id}, ${eventTime}, api_invocation_time, write_time, __stored`;
	return {names, sql: `SELECT ${select.join(', ')} FROM ${relation(bucket)} AS __s ${where} ${order} ${limit}`};
}

/** The condition that leaves out the rows of `query.except` (alias `s`: the source row), or undefined. */
function exceptSql(query: OfflineQuery, s: string): string | undefined {
	const {except} = query;
	if (!except) return undefined;
	if (except.at.engine !== 'duckdb') throw new Error('The embedded store compares rows with another embedded store only (Store.reaches).');
	if (!except.at.hasFiles) return undefined;
	const target = `read_parquet(${sqlString(path.join(except.at.dir, '**', '*.parquet'))}, hive_partitioning = false, union_by_name = true)`;
	return `NOT EXISTS (SELECT 1 FROM ${target} AS __t WHERE ${sameRowCondition(except, s, '__t', {name: sqlName, type: duckType})})`;
}

/** What a row's place in a list of files counts per file: 2^32 rows (a position stays exact in a double for 2M files). */
export const fileShift = 2 ** 32;

/** A row's place in a list of files read with file_row_number: file index, then row (DuckDB's virtual columns). */
export const storedPosition = `CAST(file_index AS BIGINT) * ${fileShift} + file_row_number`;

/** A row's event time as the order takes it (a time, or the Fractional number). */
export const eventTimeKey = (feature: FeatureDefinition) => (feature.FeatureType === 'String'
	? `TRY_CAST(${sqlName(feature.FeatureName)} AS TIMESTAMP)`
	: sqlName(feature.FeatureName));

/**
 * SQL writing the winners of unordered rows (SnapshotRange.winners) to
 * `target`: per identifier the position (`position`, ascending) of its row
 * with the latest event time, then the earliest API invocation time, write
 * time and place in the store (`stored`): the row a replay in the sorted
 * order would leave online. `relation` reads the rows with file_row_number.
 */
export function winnersSql(group: FeatureGroup, relation: string, position: string, stored: string, target: string): string {
	const eventFeature = group.FeatureDefinitions.find(feature => feature.FeatureName === group.EventTimeFeatureName)!;
	// A row without a valid event time fails its write and changes nothing: it never wins.
	const time = eventTimeKey(eventFeature);
	// Sorted, a missing time comes last: here it loses to any time.
	const earliest = (column: string) => `coalesce(-epoch_us(${column}), -9223372036854775807)`;
	const key = `(${time} IS NOT NULL, ${time}, ${earliest('api_invocation_time')}, ${earliest('write_time')}, -(${stored}))`;
	return `COPY (SELECT arg_max(${position}, ${key}) AS n FROM ${relation}
		GROUP BY ${sqlName(group.RecordIdentifierFeatureName)} ORDER BY n) TO ${sqlString(target)} (FORMAT parquet)`;
}

/** A row's part of `parts` by its identifier: the same SQL on the store's rows and on the snapshot's. */
export const partOf = (group: FeatureGroup, parts: number) => `hash(${sqlName(group.RecordIdentifierFeatureName)}) % ${parts}`;

/**
 * The staged record JSON (column `rec`) parsed once per row: `parse` is the
 * select item, `value(feature)` a feature's value in its type. One parse,
 * not one per feature (a vector of wide records parsed twenty times over ran
 * DuckDB out of memory). Scalars come as one list of texts (`__v`, by
 * position); collections, rare, from a struct of their own (`__j`). A struct
 * of every feature made DuckDB copy its 2,500-field type for each field read:
 * seconds to plan a wide group's flush.
 */
export function parseStaged(group: FeatureGroup): {parse: string; value: (feature: FeatureDefinition) => string} {
	const scalars = group.FeatureDefinitions.filter(feature => !feature.CollectionType);
	const collections = group.FeatureDefinitions.filter(feature => feature.CollectionType);
	const place = new Map(scalars.map((feature, index) => [feature.FeatureName, index + 1]));
	const path = (name: string) => sqlString(`$."${name.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`);
	const items = [`json_extract_string(rec, [${scalars.map(feature => path(feature.FeatureName)).join(', ')}]) AS __v`];
	if (collections.length > 0) {
		const struct = Object.fromEntries(collections.map(feature => [feature.FeatureName, [duckType(feature).replace('[]', '')]]));
		items.push(`from_json(rec, ${sqlString(JSON.stringify(struct))}) AS __j`);
	}

	return {
		parse: items.join(', '),
		value(feature) {
			if (feature.CollectionType) return `__j.${sqlName(feature.FeatureName)}`;
			const text = `__v[${place.get(feature.FeatureName)!}]`;
			return feature.FeatureType === 'String' ? text : `CAST(${text} AS ${duckType(feature)})`;
		},
	};
}

/**
 * A query over the group's files and the user's filter (`where`): a file
 * that is not Parquet is named; with a filter, the engine's refusal is the
 * user's error, with a hint.
 */
export async function runUserQuery<T>(run: () => Promise<T>, group: FeatureGroup, where: string | undefined): Promise<T> {
	try {
		return await run();
	} catch (error) {
		const message = (error as Error).message.split('\n')[0]!;
		// DuckDB's words for a file that is not Parquet: too short, or no PAR1 footer.
		const notParquet = /File '([^']+)' too small to be a Parquet file|No magic bytes found at end of file '([^']+)'/.exec(message);
		if (notParquet) {
			const file = notParquet[1] ?? notParquet[2];
			throw runtimeError(
				`${group.FeatureGroupName}'s offline store holds a file that is not Parquet: ${file}.`,
				'Move it out of the group\'s data directory (a partial copy or a stray file).',
				'CorruptFile',
			);
		}

		// Permission Error: a file outside the group's, which the filter's DuckDB may not reach.
		if (where !== undefined && /Binder Error|Parser Error|Conversion Error|Catalog Error|Invalid Input Error|Permission Error/i.test(message)) {
			throw usageError(
				`The query engine refused the filter on ${group.FeatureGroupName}: ${message}`,
				filterHint(message, group.FeatureGroupName, group.EventTimeFeatureName),
				'InvalidRequestException',
			);
		}

		throw error;
	}
}
