/**
 * The offline history copied by Athena (docs/server-copy.md): no row passes
 * through fs. A Glue (Hive Parquet) target gets an UNLOAD into its own
 * resolved location, under `fs-copy-TAG/`, partitioned by the event time's
 * year, month, day and hour as SageMaker lays out its files (Athena reads
 * the table's location and everything under it, as it reads SageMaker's own
 * `year=…/` directories). An Iceberg target gets an INSERT INTO its table.
 * Either way each row carries the copy's time as its write_time and
 * api_invocation_time (as a PutRecord at that time would have), and keeps
 * is_deleted: delete markers stay markers.
 */
import {runtimeError} from '../../core/errors.js';
import type {FeatureDefinition, FeatureGroup} from '../../core/types.js';
import {sqlName} from '../../io/duckdb.js';
import type {OfflineCopy} from '../store.js';
import {parseS3Uri, type Athena, type QueryTarget} from './athena.js';
import type {AwsClients} from './clients.js';
import {awsCall, type CallContext} from './errors.js';
import {exceptSql, offlineTable, tableSql} from './offline.js';

/** Partition columns of the copy's objects: SageMaker's directories of an event-time hour. */
const partitions = ['year', 'month', 'day', 'hour'] as const;

/**
 * Why a copy cannot be made server-side, or undefined when it can. A cast
 * SQL makes exactly for some values only (text to a number, say) is no
 * problem: the identifiers with a value it cannot take go through the API
 * (residualSql).
 */
export function serverCopyProblem(source: FeatureGroup, target: FeatureGroup, features: OfflineCopy['features']): string | undefined {
	for (const {target: feature, source: from} of features) {
		if (!from || castSql(from, feature)) continue;
		return feature.FeatureName === target.EventTimeFeatureName
			? `event time ${feature.FeatureName}: ${from.FeatureType} → ${feature.FeatureType} (only fs casts it exactly)`
			: `${feature.FeatureName}: ${typeName(from)} → ${typeName(feature)} (only fs casts it exactly)`;
	}

	const names = new Set(target.FeatureDefinitions.map(feature => feature.FeatureName.toLowerCase()));
	const clash = partitions.find(name => names.has(name));
	if (clash && (target.OfflineStoreConfig?.TableFormat ?? 'Glue') === 'Glue') return `${target.FeatureGroupName} has a feature named ${clash}, a partition column of the copy's objects`;
	if (!source.OfflineStoreConfig?.DataCatalogConfig || !target.OfflineStoreConfig?.DataCatalogConfig) return 'a group has no Glue table';
	return undefined;
}

const typeName = (feature: FeatureDefinition) => (feature.CollectionType ? `${feature.CollectionType} of ${feature.FeatureType}` : feature.FeatureType);

/** The largest whole numbers a double holds exactly (2^53): within them a whole number and its double are the same value. */
const exactDouble = '9007199254740992';

/**
 * A feature's value in SQL exactly as fs's record-by-record path casts it
 * (core/cast.ts), and the condition on the source value under which SQL's
 * cast is that exact one (none: always). Undefined where SQL cannot match fs
 * (a Fractional printed as text, an event time's format, element casts but
 * whole numbers as text): such a group is copied through the API. The
 * conditions only ever leave values out: a value they refuse that fs would
 * take still goes through the API, cast by fs.
 */
export function castSql(from: FeatureDefinition, to: FeatureDefinition): {value: (column: string) => string; exact?: (column: string) => string} | undefined {
	if ((from.CollectionType ?? '') !== (to.CollectionType ?? '')) return undefined;
	if (from.FeatureType === to.FeatureType) return {value: column => column};
	if (from.FeatureType === 'Integral' && to.FeatureType === 'String') return {value: column => `CAST(${column} AS ${athenaType(to)})`};
	if (from.CollectionType) return undefined;
	const exact = (test: (column: string) => string) => (column: string) => `(${column} IS NULL OR ${test(column)})`;
	const cast = (column: string) => `CAST(${column} AS ${athenaType(to)})`;
	if (from.FeatureType === 'String' && to.FeatureType === 'Integral') {
		// Up to 18 digits: within bigint, no sign but a minus, no spaces, no exponent.
		return {value: cast, exact: exact(column => `regexp_like(${column}, '^-?[0-9]{1,18}$')`)};
	}

	if (from.FeatureType === 'Fractional' && to.FeatureType === 'Integral') {
		return {value: cast, exact: exact(column => `(${column} = floor(${column}) AND ${column} BETWEEN -${exactDouble} AND ${exactDouble})`)};
	}

	if (from.FeatureType === 'Integral' && to.FeatureType === 'Fractional') {
		return {value: cast, exact: exact(column => `${column} BETWEEN -${exactDouble} AND ${exactDouble}`)};
	}

	if (from.FeatureType === 'String' && to.FeatureType === 'Fractional') {
		// Plain decimals: JavaScript and Athena both round them to the nearest double.
		return {value: cast, exact: exact(column => `regexp_like(${column}, '^-?[0-9]{1,15}([.][0-9]{1,15})?$')`)};
	}

	return undefined;
}

/**
 * The condition on a source row (its columns unqualified) that SQL cannot
 * cast one of its values exactly: the identifiers with such a row are left
 * out of the copy and go through the API, every row (docs/server-copy.md).
 * Undefined when every value casts exactly.
 */
export function residualSql(copy: Pick<OfflineCopy, 'features'>): string | undefined {
	const tests = copy.features.flatMap(({target, source}) => {
		const exact = source ? castSql(source, target)?.exact : undefined;
		return exact ? [`NOT ${exact(sqlName(source!.FeatureName))}`] : [];
	});
	return tests.length > 0 ? tests.join(' OR ') : undefined;
}

const timestampLiteral = (at: Date) => `TIMESTAMP '${at.toISOString().replace('T', ' ').replace('Z', '')}'`;

/**
 * The source's rows the copy takes, as the relation `"__s"`: those of the
 * filter whose identifier has no row SQL cannot cast exactly.
 */
function copiedRelation(copy: OfflineCopy, s: string): {from: string; where?: string} {
	const residual = residualSql(copy);
	if (!residual) return {from: `${tableSql(copy.source)} AS ${s}`, ...(copy.where ? {where: `(${copy.where})`} : {})};
	const id = sqlName(copy.source.RecordIdentifierFeatureName);
	return {from: `(SELECT * FROM (SELECT *, max(CASE WHEN ${residual} THEN 1 ELSE 0 END) OVER (PARTITION BY ${id}) AS "__residual" FROM ${tableSql(copy.source)}${copy.where ? ` WHERE (${copy.where})` : ''}) WHERE "__residual" = 0) AS ${s}`};
}

/** The rows to copy in the target's columns (Glue's order: features, write_time, api_invocation_time, is_deleted), optionally with the partition columns last. */
export function copySelect(copy: OfflineCopy, withPartitions: boolean): string {
	const s = '"__s"';
	const values = copy.target.FeatureDefinitions.map(feature => {
		const from = copy.features.find(item => item.target.FeatureName === feature.FeatureName)?.source;
		const name = sqlName(feature.FeatureName.toLowerCase());
		if (!from) return `CAST(NULL AS ${athenaType(feature)}) AS ${name}`;
		return `${castSql(from, feature)!.value(`${s}.${sqlName(from.FeatureName)}`)} AS ${name}`;
	});
	const at = timestampLiteral(copy.at);
	values.push(`${at} AS "write_time"`, `${at} AS "api_invocation_time"`, `${s}."is_deleted" AS "is_deleted"`);
	if (withPartitions) {
		const eventTime = copy.source.FeatureDefinitions.find(feature => feature.FeatureName === copy.source.EventTimeFeatureName)!;
		const time = eventTime.FeatureType === 'String' ? `from_iso8601_timestamp(${s}.${sqlName(eventTime.FeatureName)})` : `from_unixtime(${s}.${sqlName(eventTime.FeatureName)})`;
		const formats = {year: '%Y', month: '%m', day: '%d', hour: '%H'} as const;
		for (const part of partitions) values.push(`date_format(${time}, '${formats[part]}') AS ${sqlName(part)}`);
	}

	const {from, where} = copiedRelation(copy, s);
	const conditions = [where, exceptSql(copy, s)].filter(Boolean);
	return `SELECT ${values.join(', ')} FROM ${from}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
}

function athenaType(feature: FeatureDefinition): string {
	const scalar = {Integral: 'bigint', Fractional: 'double', String: 'varchar'}[feature.FeatureType];
	return feature.CollectionType ? `array(${scalar})` : scalar;
}

export class OfflineCopier {
	constructor(private readonly clients: AwsClients, private readonly athena: Athena, private readonly context: (action: string, target?: string) => Promise<CallContext>) {}

	private target(group: FeatureGroup): QueryTarget {
		const {catalog, database, table} = offlineTable(group);
		return {catalog, database, table, group: group.FeatureGroupName, eventTimeFeature: group.EventTimeFeatureName};
	}

	/** Where a Glue target's copy goes: its resolved location's `fs-copy-TAG/`. */
	private prefix(copy: OfflineCopy): {bucket: string; key: string; uri: string} {
		const resolved = copy.target.OfflineStoreConfig?.S3StorageConfig.ResolvedOutputS3Uri;
		if (!resolved) throw runtimeError(`${copy.target.FeatureGroupName} has no ResolvedOutputS3Uri yet.`, 'Wait until it is Created (`fs list`).', 'NotReady');
		const {bucket, key} = parseS3Uri(resolved);
		const prefix = `${key.replace(/\/+$/, '')}/fs-copy-${copy.tag}/`;
		return {bucket, key: prefix, uri: `s3://${bucket}/${prefix}`};
	}

	/** The copy, then the rows it wrote, counted through the target's table by their time. */
	async copy(copy: OfflineCopy): Promise<void> {
		if ((copy.target.OfflineStoreConfig?.TableFormat ?? 'Glue') === 'Iceberg') {
			const columns = [...copy.target.FeatureDefinitions.map(feature => sqlName(feature.FeatureName.toLowerCase())), '"write_time"', '"api_invocation_time"', '"is_deleted"'];
			await this.athena.run(`INSERT INTO ${tableSql(copy.target)} (${columns.join(', ')}) ${copySelect(copy, false)}`, this.target(copy.target));
			return;
		}

		const {uri} = this.prefix(copy);
		await this.athena.run(`UNLOAD (${copySelect(copy, true)}) TO '${uri}' WITH (format = 'PARQUET', compression = 'SNAPPY', partitioned_by = ARRAY['year', 'month', 'day', 'hour'])`, this.target(copy.source));
	}

	/** What a copy cut short left: a Glue target's objects under its prefix; an Iceberg target's rows of its time. */
	async undo(copy: OfflineCopy): Promise<void> {
		if ((copy.target.OfflineStoreConfig?.TableFormat ?? 'Glue') === 'Iceberg') {
			await this.athena.run(`DELETE FROM ${tableSql(copy.target)} WHERE "write_time" = ${timestampLiteral(copy.at)}`, this.target(copy.target));
			return;
		}

		const {bucket, key} = this.prefix(copy);
		const list = await this.context('s3:ListBucket', `s3://${bucket}/${key}`);
		const remove = await this.context('s3:DeleteObject', `s3://${bucket}/${key}`);
		const s3 = await this.clients.s3();
		let token: string | undefined;
		do {
			const page = await awsCall(list, async () => s3.client.send(new s3.sdk.ListObjectsV2Command({Bucket: bucket, Prefix: key, ...(token ? {ContinuationToken: token} : {})})));
			const keys = (page.Contents ?? []).flatMap(object => (object.Key ? [{Key: object.Key}] : []));
			if (keys.length > 0) await awsCall(remove, async () => s3.client.send(new s3.sdk.DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: keys, Quiet: true}})));
			token = page.IsTruncated ? page.NextContinuationToken : undefined;
		} while (token);
	}
}

/** The condition on a target's rows that picks those of one copy (its time). */
export const copiedRows = (copy: Pick<OfflineCopy, 'at'>) => `"write_time" = ${timestampLiteral(copy.at)}`;
