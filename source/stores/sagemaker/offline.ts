/**
 * The offline store through Athena: the SQL of history, snapshot and count
 * queries on the group's own Glue table (DataCatalogConfig, never guessed),
 * the result streamed from S3, and clearing only the group's own data.
 */
import {runtimeError, usageError} from '../../core/errors.js';
import {copiedColumn, metadataColumns} from '../../core/names.js';
import {featureOf, hasOfflineStore, type FeatureDefinition, type FeatureGroup} from '../../core/types.js';
import {sqlName} from '../../io/duckdb.js';
import type {OfflineBatch, OfflineQuery, OfflineSnapshot} from '../store.js';
import {parseS3Uri, type Athena, type QueryTarget} from './athena.js';
import type {AwsClients} from './clients.js';
import {readAthenaCsv, type ColumnKind, type ResultColumn} from './csv.js';
import {awsCall, awsError, type CallContext} from './errors.js';
import type {SnapshotFiles} from './snapshot.js';
import {sameRowCondition} from '../existing-sql.js';


export interface BuiltQuery {
	sql: string;
	columns: ResultColumn[];
}

/** The group's Glue table, from its DataCatalogConfig. */
export function offlineTable(group: FeatureGroup): {catalog: string; database: string; table: string} {
	const catalog = group.OfflineStoreConfig?.DataCatalogConfig;
	if (!hasOfflineStore(group)) {
		throw usageError(
			`Feature group ${group.FeatureGroupName} has no offline store (its Athena table does not exist).`,
			'Read it from the online store instead: `fs get`, or `fs migrate` (which lists its records).',
			'TableNotFound',
		);
	}

	if (!catalog) {
		throw usageError(
			`Feature group ${group.FeatureGroupName} has no Glue table (created with DisableGlueTableCreation), so Athena cannot read its offline store.`,
			'Create a Glue table over its ResolvedOutputS3Uri, or read the online store (`fs migrate` lists its records).',
			'TableNotFound',
		);
	}

	return {catalog: catalog.Catalog || 'AwsDataCatalog', database: catalog.Database, table: catalog.TableName};
}

function kindOf(feature: FeatureDefinition | undefined, name: string): ColumnKind {
	if (!feature) return name === 'is_deleted' ? 'boolean' : 'timestamp';
	if (feature.CollectionType) return feature.FeatureType === 'Fractional' ? 'fractional-list' : 'list';
	return ({Integral: 'integral', Fractional: 'fractional', String: 'string'} as const)[feature.FeatureType];
}

/**
 * The Athena SQL of a query. A String event time is varchar: ordered as a
 * timestamp, because as text `…:00.500Z` sorts before `…:00Z` when the two
 * accepted formats (with and without milliseconds) mix.
 */
export function buildQuery(group: FeatureGroup, query: OfflineQuery, forCount = false): BuiltQuery {
	const byName = new Map(group.FeatureDefinitions.map(feature => [feature.FeatureName, feature]));
	const features = forCount ? [group.RecordIdentifierFeatureName] : (query.columns ?? group.FeatureDefinitions.map(feature => feature.FeatureName));
	for (const name of features) {
		if (!byName.has(name)) {
			throw usageError(`${group.FeatureGroupName} has no feature ${JSON.stringify(name)}.`, `Pick columns from: ${[...byName.keys()].join(', ')}.`);
		}
	}

	const names = query.includeMetadata && !forCount ? [...features, ...metadataColumns] : features;
	const columns = names.map(name => ({name, kind: kindOf(byName.get(name), name)}));
	const from = tableSql(group);
	const select = names.map(sqlName).join(', ');
	const id = sqlName(group.RecordIdentifierFeatureName);
	const eventFeature = featureOf(group, group.EventTimeFeatureName)!;
	const eventTime = eventFeature.FeatureType === 'String' ? `from_iso8601_timestamp(${sqlName(eventFeature.FeatureName)})` : sqlName(eventFeature.FeatureName);
	const filter = query.where ? ` WHERE (${query.where})` : '';
	// Rows the target holds already stay out: one anti-join in Athena (docs/existing-rows.md).
	const existing = exceptSql(query, '"__s"');
	const where = existing && query.mode !== 'snapshot' ? `${filter ? `${filter} AND` : ' WHERE'} ${existing}` : filter;
	const limit = query.limit === undefined || forCount ? '' : ` LIMIT ${Math.max(0, Math.floor(query.limit))}`;
	let sql: string;
	if (query.mode === 'winners') {
		// What a replay of the history leaves online (docs/server-copy.md): the latest valid event time, then the earliest API invocation and write time; a delete marker too.
		// An identifier with a row of query.residual comes whole, in history order, "__copied" false: it was not copied.
		const residual = query.residual ? `max(CASE WHEN ${query.residual} THEN 1 ELSE 0 END) OVER (PARTITION BY ${id})` : '0';
		if (!forCount) columns.push({name: copiedColumn, kind: 'boolean'});
		const order = query.residual ? `${id}, ${eventTime}, "api_invocation_time", "write_time"` : id;
		// A winner is written online even when its row is in the target's offline store: a run that copied the history may have stopped before its online writes.
		const keep = existing ? `(("__rn" = 1 AND "__residual" = 0) OR ("__residual" = 1 AND ${existing}))` : '("__rn" = 1 OR "__residual" = 1)';
		sql = `SELECT ${forCount ? select : `${select}, "__residual" = 0 AS ${sqlName(copiedColumn)}`} FROM (SELECT *, row_number() OVER (PARTITION BY ${id} ORDER BY ${eventTime} DESC NULLS LAST, "api_invocation_time" ASC, "write_time" ASC) AS "__rn", ${residual} AS "__residual" FROM ${from}${filter})${existing ? ' AS "__s"' : ''} WHERE ${keep}${forCount ? '' : ` ORDER BY ${order}`}${limit}`;
	} else if (query.mode === 'snapshot') {
		// "__rn" cannot clash with a feature: feature names start with a letter or digit.
		sql = `SELECT ${select} FROM (SELECT *, row_number() OVER (PARTITION BY ${id} ORDER BY ${eventTime} DESC, "api_invocation_time" DESC, "write_time" DESC) AS "__rn" FROM ${from}${where})${existing ? ' AS "__s"' : ''} WHERE "__rn" = 1 AND NOT "is_deleted"${existing ? ` AND ${existing}` : ''}${forCount ? '' : ` ORDER BY ${id}`}${limit}`;
	} else {
		// A sample needs no order: Athena stops reading once it has its rows.
		const order = forCount || query.sample ? '' : ` ORDER BY ${id}, ${eventTime}, "api_invocation_time", "write_time"`;
		sql = `SELECT ${select} FROM ${from}${existing ? ' AS "__s"' : ''}${where}${order}${limit}`;
	}

	if (forCount) return {sql: `SELECT count(*) AS "n" FROM (${sql})`, columns: [{name: 'n', kind: 'integral'}]};
	return {sql, columns};
}

/** The group's table as Athena names it. */
export function tableSql(group: FeatureGroup): string {
	const {catalog, database, table} = offlineTable(group);
	return `${catalog === 'AwsDataCatalog' ? '' : `${sqlName(catalog)}.`}${sqlName(database)}.${sqlName(table)}`;
}

/** Athena's type of a feature's column (collections as arrays). */
const athenaType = (feature: FeatureDefinition) => {
	const scalar = {Integral: 'BIGINT', Fractional: 'DOUBLE', String: 'VARCHAR'}[feature.FeatureType];
	return feature.CollectionType ? `ARRAY(${scalar})` : scalar;
};

/** The condition that leaves out the rows of `query.except` (alias `s`: the source row), or undefined. */
export function exceptSql(query: Pick<OfflineQuery, 'except'>, s: string): string | undefined {
	const {except} = query;
	if (!except) return undefined;
	if (except.at.engine !== 'athena') throw new Error('Athena compares rows with a table of its own account and region only (Store.reaches).');
	return `NOT EXISTS (SELECT 1 FROM ${except.at.table} AS "__t" WHERE ${sameRowCondition(except, s, '"__t"', {name: sqlName, type: athenaType})})`;
}

export class OfflineReader {
	constructor(private readonly clients: AwsClients, private readonly athena: Athena, private readonly context: (action: string, target?: string) => Promise<CallContext>) {}

	private target(group: FeatureGroup, where?: string): QueryTarget {
		const {catalog, database, table} = offlineTable(group);
		return {catalog, database, table, group: group.FeatureGroupName, eventTimeFeature: group.EventTimeFeatureName, ...(where ? {where} : {})};
	}

	/** Run a query and stream its rows. */
	private async * rows(group: FeatureGroup, built: BuiltQuery, where: string | undefined, batchSize: number): AsyncGenerator<OfflineBatch> {
		const {id, location} = await this.athena.run(built.sql, this.target(group, where));
		if (!location) throw runtimeError(`The Athena query ${id} on ${group.FeatureGroupName} reported no result location.`, 'Check the workgroup\'s result settings (managed query results cannot be streamed); pass --athena-output.', 'NoAthenaOutput');
		const body = await this.athena.open(location);
		try {
			yield * readAthenaCsv(body, built.columns, batchSize);
		} catch (error) {
			throw awsError(error, await this.context('s3:GetObject', location));
		}
	}

	async * read(group: FeatureGroup, query: OfflineQuery): AsyncGenerator<OfflineBatch> {
		const batchSize = Math.min(5000, Math.max(1000, query.batchSize ?? 2048));
		yield * this.rows(group, buildQuery(group, query), query.where, batchSize);
	}

	async count(group: FeatureGroup, query: Pick<OfflineQuery, 'mode' | 'where' | 'except' | 'residual'>): Promise<number> {
		const built = buildQuery(group, query, true);
		for await (const batch of this.rows(group, built, query.where, 1000)) {
			const value = batch.columns[0]![0];
			if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
		}

		throw runtimeError(`Athena returned no count for ${group.FeatureGroupName}.`, 'Run it again; if it persists, report it with FS_DEBUG=1.', 'UnexpectedResult');
	}

	/** The query's result once, as local Parquet parts in `dir`. Streams: memory stays flat. */
	async snapshot(group: FeatureGroup, query: OfflineQuery, dir: string, files: SnapshotFiles): Promise<OfflineSnapshot> {
		const built = buildQuery(group, query);
		return files.write(this.rows(group, built, query.where, 2048), built.columns, dir);
	}

	/**
	 * Delete the group's own offline data. Glue tables: the objects under its
	 * ResolvedOutputS3Uri (with the trailing slash, so a neighbour whose prefix
	 * starts the same is safe). Iceberg: a DELETE through Athena, since removing
	 * files under an Iceberg table breaks it; no object is removed then.
	 */
	async clear(group: FeatureGroup): Promise<number> {
		if (!hasOfflineStore(group)) return 0;
		if (group.OfflineStoreConfig?.TableFormat === 'Iceberg') {
			await this.athena.run(`DELETE FROM ${tableSql(group)}`, this.target(group));
			return 0;
		}

		const resolved = group.OfflineStoreConfig?.S3StorageConfig.ResolvedOutputS3Uri;
		if (!resolved) throw runtimeError(`${group.FeatureGroupName} has no ResolvedOutputS3Uri yet.`, 'Wait until it is Created (`fs list`).', 'NotReady');
		const {bucket, key} = parseS3Uri(resolved);
		const prefix = key.endsWith('/') ? key : `${key}/`;
		const list = await this.context('s3:ListBucket', `s3://${bucket}/${prefix}`);
		const remove = await this.context('s3:DeleteObject', `s3://${bucket}/${prefix}`);
		const s3 = await this.clients.s3();
		let removed = 0;
		let token: string | undefined;
		do {
			const page = await awsCall(list, async () => s3.client.send(new s3.sdk.ListObjectsV2Command({Bucket: bucket, Prefix: prefix, MaxKeys: 1000, ...(token ? {ContinuationToken: token} : {})})));
			const keys = (page.Contents ?? []).flatMap(object => (object.Key ? [{Key: object.Key}] : []));
			if (keys.length > 0) {
				const result = await awsCall(remove, async () => s3.client.send(new s3.sdk.DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: keys, Quiet: true}})));
				const failed = result.Errors ?? [];
				if (failed.length > 0) {
					const first = failed[0]!;
					throw awsError({name: first.Code ?? 'DeleteFailed', message: `${failed.length} object(s) not deleted, e.g. ${first.Key}: ${first.Message ?? ''}`, $metadata: {}}, remove);
				}

				removed += keys.length;
			}

			token = page.IsTruncated ? page.NextContinuationToken : undefined;
		} while (token);

		return removed;
	}
}
