/**
 * Shapes between the port and the SDK: records as FeatureValue lists,
 * DescribeFeatureGroup responses as the port's FeatureGroup, and the keys
 * that find a BatchWriteRecord entry the service sent back among those sent.
 */
import type {DescribeFeatureGroupResponse, CreateFeatureGroupRequest, FeatureDefinition as SdkFeatureDefinition} from '@aws-sdk/client-sagemaker';
import type {BatchWriteRecordEntry, FeatureValue as SdkFeatureValue} from '@aws-sdk/client-sagemaker-featurestore-runtime';
import type {CreateFeatureGroupInput, FeatureDefinition, FeatureGroup, FsRecord} from '../../core/types.js';

export function toFeatureValues(record: FsRecord): SdkFeatureValue[] {
	return Object.entries(record).map(([FeatureName, value]) => (Array.isArray(value) ? {FeatureName, ValueAsStringList: value} : {FeatureName, ValueAsString: value}));
}

export function fromFeatureValues(values: SdkFeatureValue[] | undefined): FsRecord {
	const record: FsRecord = {};
	for (const value of values ?? []) {
		if (!value.FeatureName) continue;
		if (value.ValueAsStringList) record[value.FeatureName] = value.ValueAsStringList;
		else if (value.ValueAsString !== undefined) record[value.FeatureName] = value.ValueAsString;
	}

	return record;
}

/** A record's content, independent of the order of its features. */
function recordKey(values: SdkFeatureValue[] | undefined): string {
	const pairs = (values ?? []).map(value => [value.FeatureName ?? '', value.ValueAsStringList ?? value.ValueAsString ?? null] as const);
	pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
	return JSON.stringify(pairs);
}

/**
 * Keys of an entry, strictest first. The service returns the entry itself in
 * Errors and UnprocessedEntries, not its position; the loose key still matches
 * if it left out or reshaped the optional members.
 */
export function entryKeys(entry: BatchWriteRecordEntry): [string, string] {
	const loose = `${entry.FeatureGroupName ?? ''}\u0000${recordKey(entry.Record)}`;
	const stores = [...(entry.TargetStores ?? [])].sort().join(',');
	const ttl = entry.TtlDuration ? `${entry.TtlDuration.Value}${entry.TtlDuration.Unit}` : '';
	return [`${loose}\u0000${stores}\u0000${ttl}`, loose];
}

/**
 * Finds the index of each returned entry among the sent ones. Identical
 * entries are handed out in order, one index each, so two copies of a record
 * in one batch are both accounted for.
 */
export class EntryMatcher {
	private readonly byKey = new Map<string, number[]>();
	private readonly taken = new Set<number>();

	constructor(sent: BatchWriteRecordEntry[]) {
		for (const [index, entry] of sent.entries()) {
			for (const key of entryKeys(entry)) {
				const list = this.byKey.get(key);
				if (list) list.push(index);
				else this.byKey.set(key, [index]);
			}
		}
	}

	/** The index of a returned entry, or undefined if none of the sent ones is left that matches. */
	match(returned: BatchWriteRecordEntry | undefined): number | undefined {
		if (!returned) return undefined;
		for (const key of entryKeys(returned)) {
			const index = this.byKey.get(key)?.find(candidate => !this.taken.has(candidate));
			if (index !== undefined) {
				this.taken.add(index);
				return index;
			}
		}

		return undefined;
	}
}

function featureDefinition(feature: SdkFeatureDefinition): FeatureDefinition {
	const definition: FeatureDefinition = {FeatureName: feature.FeatureName!, FeatureType: feature.FeatureType as FeatureDefinition['FeatureType']};
	if (feature.CollectionType) definition.CollectionType = feature.CollectionType as FeatureDefinition['CollectionType'];
	const dimension = (feature.CollectionConfig as {VectorConfig?: {Dimension?: number}} | undefined)?.VectorConfig?.Dimension;
	if (dimension !== undefined) definition.CollectionConfig = {VectorConfig: {Dimension: dimension}};
	return definition;
}

/** The port's FeatureGroup from DescribeFeatureGroup (definitions of every page already joined). */
export function featureGroupFrom(response: DescribeFeatureGroupResponse, definitions: SdkFeatureDefinition[]): FeatureGroup {
	const group: FeatureGroup = {
		FeatureGroupName: response.FeatureGroupName!,
		FeatureGroupArn: response.FeatureGroupArn!,
		RecordIdentifierFeatureName: response.RecordIdentifierFeatureName!,
		EventTimeFeatureName: response.EventTimeFeatureName!,
		FeatureDefinitions: definitions.map(featureDefinition),
		CreationTime: response.CreationTime instanceof Date ? response.CreationTime : new Date(response.CreationTime ?? 0),
		FeatureGroupStatus: (response.FeatureGroupStatus ?? 'Created') as FeatureGroup['FeatureGroupStatus'],
	};
	const online = response.OnlineStoreConfig;
	if (online) {
		group.OnlineStoreConfig = {
			EnableOnlineStore: online.EnableOnlineStore === true,
			...(online.StorageType ? {StorageType: online.StorageType as 'Standard' | 'InMemory'} : {}),
			...(online.TtlDuration?.Unit && online.TtlDuration.Value !== undefined ? {TtlDuration: {Unit: online.TtlDuration.Unit, Value: online.TtlDuration.Value}} : {}),
		};
	}

	const offline = response.OfflineStoreConfig;
	if (offline?.S3StorageConfig?.S3Uri) {
		const catalog = offline.DataCatalogConfig;
		group.OfflineStoreConfig = {
			S3StorageConfig: {S3Uri: offline.S3StorageConfig.S3Uri, ...(offline.S3StorageConfig.ResolvedOutputS3Uri ? {ResolvedOutputS3Uri: offline.S3StorageConfig.ResolvedOutputS3Uri} : {})},
			...(offline.DisableGlueTableCreation !== undefined ? {DisableGlueTableCreation: offline.DisableGlueTableCreation} : {}),
			...(catalog?.Database && catalog.TableName ? {DataCatalogConfig: {Catalog: catalog.Catalog ?? 'AwsDataCatalog', Database: catalog.Database, TableName: catalog.TableName}} : {}),
			...(offline.TableFormat ? {TableFormat: offline.TableFormat as 'Glue' | 'Iceberg'} : {}),
		};
	}

	if (response.OfflineStoreStatus?.Status) {
		group.OfflineStoreStatus = {Status: response.OfflineStoreStatus.Status, ...(response.OfflineStoreStatus.BlockedReason ? {BlockedReason: response.OfflineStoreStatus.BlockedReason} : {})};
	}

	if (response.RoleArn) group.RoleArn = response.RoleArn;
	if (response.Description) group.Description = response.Description;
	if (response.FailureReason) group.FailureReason = response.FailureReason;
	return group;
}

export function createRequest(input: CreateFeatureGroupInput): CreateFeatureGroupRequest {
	return {
		FeatureGroupName: input.FeatureGroupName,
		RecordIdentifierFeatureName: input.RecordIdentifierFeatureName,
		EventTimeFeatureName: input.EventTimeFeatureName,
		FeatureDefinitions: input.FeatureDefinitions.map(feature => ({...feature})),
		...(input.OnlineStoreConfig ? {OnlineStoreConfig: {...input.OnlineStoreConfig}} : {}),
		...(input.OfflineStoreConfig ? {OfflineStoreConfig: {...input.OfflineStoreConfig, S3StorageConfig: {S3Uri: input.OfflineStoreConfig.S3StorageConfig.S3Uri}}} : {}),
		...(input.RoleArn ? {RoleArn: input.RoleArn} : {}),
		...(input.Description ? {Description: input.Description} : {}),
	};
}

/** The account in a SageMaker ARN (arn:aws:sagemaker:REGION:ACCOUNT:…). */
export function accountOf(arn: string | undefined): string | undefined {
	const account = arn?.split(':')[4];
	return account && /^\d{12}$/.test(account) ? account : undefined;
}
