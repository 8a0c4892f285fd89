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

/** Why a copy cannot be made server-side, or undefined when it can. */
export function serverCopyProblem(source: FeatureGroup, target: FeatureGroup, features: OfflineCopy['features']): string | undefined {
	for (const {target: feature, source: from} of features) {
		if (from && !exactInSql(from, feature)) return `${feature.FeatureName} is cast per value (${from.FeatureType} → ${feature.FeatureType}), which fs checks record by record`;
	}

	const names = new Set(target.FeatureDefinitions.map(feature => feature.FeatureName.toLowerCase()));
	const clash = partitions.find(name => names.has(name));
	if (clash && (target.OfflineStoreConfig?.TableFormat ?? 'Glue') === 'Glue') return `${target.FeatureGroupName} has a feature named ${clash}, a partition column of the copy's objects`;
	if (!source.OfflineStoreConfig?.DataCatalogConfig || !target.OfflineStoreConfig?.DataCatalogConfig) return 'a group has no Glue table';
	return undefined;
}

/** Casts SQL makes exactly as fs's record-by-record path does (core/cast): the same type, or a whole number as text. */
function exactInSql(from: FeatureDefinition, to: FeatureDefinition): boolean {
	if ((from.CollectionType ?? '') !== (to.CollectionType ?? '')) return false;
	if (from.FeatureType === to.FeatureType) return true;
	return !from.CollectionType && from.FeatureType === 'Integral' && to.FeatureType === 'String';
}

const timestampLiteral = (at: Date) => `TIMESTAMP '${at.toISOString().replace('T', ' ').replace('Z', '')}'`;

/** The rows to copy in the target's columns (Glue's order: features, write_time, api_invocation_time, is_deleted), optionally with the partition columns last. */
export function copySelect(copy: OfflineCopy, withPartitions: boolean): string {
	const s = '"__s"';
	const values = copy.target.FeatureDefinitions.map(feature => {
		const from = copy.features.find(item => item.target.FeatureName === feature.FeatureName)?.source;
		const name = sqlName(feature.FeatureName.toLowerCase());
		if (!from) return `CAST(NULL AS ${athenaType(feature)}) AS ${name}`;
		const column = `${s}.${sqlName(from.FeatureName)}`;
		return `${from.FeatureType === feature.FeatureType ? column : `CAST(${column} AS varchar)`} AS ${name}`;
	});
	const at = timestampLiteral(copy.at);
	values.push(`${at} AS "write_time"`, `${at} AS "api_invocation_time"`, `${s}."is_deleted" AS "is_deleted"`);
	if (withPartitions) {
		const eventTime = copy.source.FeatureDefinitions.find(feature => feature.FeatureName === copy.source.EventTimeFeatureName)!;
		const time = eventTime.FeatureType === 'String' ? `from_iso8601_timestamp(${s}.${sqlName(eventTime.FeatureName)})` : `from_unixtime(${s}.${sqlName(eventTime.FeatureName)})`;
		const formats = {year: '%Y', month: '%m', day: '%d', hour: '%H'} as const;
		for (const part of partitions) values.push(`date_format(${time}, '${formats[part]}') AS ${sqlName(part)}`);
	}

	const conditions = [copy.where ? `(${copy.where})` : undefined, exceptSql(copy, s)].filter(Boolean);
	return `SELECT ${values.join(', ')} FROM ${tableSql(copy.source)} AS ${s}${conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : ''}`;
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
