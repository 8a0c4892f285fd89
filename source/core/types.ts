/**
 * The domain, in AWS's words. Shapes follow the SageMaker API (see the
 * `@aws-sdk/client-sagemaker` models) so that both stores speak one language.
 */

export type FeatureType = 'Integral' | 'Fractional' | 'String';
export type CollectionType = 'List' | 'Set' | 'Vector';

export interface FeatureDefinition {
	FeatureName: string;
	FeatureType: FeatureType;
	CollectionType?: CollectionType;
	CollectionConfig?: {VectorConfig: {Dimension: number}};
}

export type FeatureGroupStatus = 'Creating' | 'Created' | 'CreateFailed' | 'Deleting' | 'DeleteFailed';
export type OfflineStoreStatus = 'Active' | 'Blocked' | 'Disabled';
export type TtlUnit = 'Seconds' | 'Minutes' | 'Hours' | 'Days' | 'Weeks';
export interface TtlDuration {
	Unit: TtlUnit;
	Value: number;
}

export interface OnlineStoreConfig {
	EnableOnlineStore: boolean;
	StorageType?: 'Standard' | 'InMemory';
	TtlDuration?: TtlDuration;
}

export interface OfflineStoreConfig {
	S3StorageConfig: {S3Uri: string; ResolvedOutputS3Uri?: string};
	DisableGlueTableCreation?: boolean;
	DataCatalogConfig?: {Catalog: string; Database: string; TableName: string};
	TableFormat?: 'Glue' | 'Iceberg';
}

export interface FeatureGroup {
	FeatureGroupName: string;
	FeatureGroupArn: string;
	RecordIdentifierFeatureName: string;
	EventTimeFeatureName: string;
	FeatureDefinitions: FeatureDefinition[];
	CreationTime: Date;
	FeatureGroupStatus: FeatureGroupStatus;
	OnlineStoreConfig?: OnlineStoreConfig;
	OfflineStoreConfig?: OfflineStoreConfig;
	OfflineStoreStatus?: {Status: OfflineStoreStatus; BlockedReason?: string};
	RoleArn?: string;
	Description?: string;
	FailureReason?: string;
}

export interface CreateFeatureGroupInput {
	FeatureGroupName: string;
	RecordIdentifierFeatureName: string;
	EventTimeFeatureName: string;
	FeatureDefinitions: FeatureDefinition[];
	OnlineStoreConfig?: OnlineStoreConfig;
	OfflineStoreConfig?: OfflineStoreConfig;
	RoleArn?: string;
	Description?: string;
}

/**
 * A record as the runtime API carries it: every value is a string
 * (`ValueAsString`) or, for collection features, a list of strings
 * (`ValueAsStringList`). A feature that is absent has no key. Integral values
 * stay exact because they never become JS numbers.
 */
export type FeatureValue = string | string[];
export type FsRecord = Record<string, FeatureValue>;

export type TargetStore = 'OnlineStore' | 'OfflineStore';
export type DeletionMode = 'SoftDelete' | 'HardDelete';

/** Which stores a feature group has, as the seed and `fs list` say it. */
export type StoresLabel = 'online+offline' | 'online' | 'offline' | 'none';

export function storesOf(group: Pick<FeatureGroup, 'OnlineStoreConfig' | 'OfflineStoreConfig'>): StoresLabel {
	const online = group.OnlineStoreConfig?.EnableOnlineStore === true;
	const offline = group.OfflineStoreConfig !== undefined;
	if (online && offline) return 'online+offline';
	if (online) return 'online';
	if (offline) return 'offline';
	return 'none';
}

export const hasOnlineStore = (group: FeatureGroup) => group.OnlineStoreConfig?.EnableOnlineStore === true;
export const hasOfflineStore = (group: FeatureGroup) => group.OfflineStoreConfig !== undefined;

export function featureOf(group: FeatureGroup, name: string): FeatureDefinition | undefined {
	return group.FeatureDefinitions.find(feature => feature.FeatureName === name);
}
