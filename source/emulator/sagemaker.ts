/**
 * SageMaker's control plane for feature groups (awsJson1_1,
 * `X-Amz-Target: SageMaker.<Op>`): Create, Describe, List, Update (feature
 * additions, TTL), Delete. Timestamps travel
 * as epoch seconds (JSON numbers), as awsJson1_1 serialises them.
 */
import type {CreateFeatureGroupInput, FeatureGroup, TtlDuration} from '../core/types.js';
import type {LocalStore} from '../stores/local/index.js';
import {
	ApiError, type ApiReply, type ApiRequest, decodeToken, encodeToken, fromStoreError, json, jsonBody, jsonError, optionalInteger, requireString,
} from './http.js';

const contentType = 'application/x-amz-json-1.1';

const errorCodes: Record<string, [number, string]> = {
	ResourceNotFound: [400, 'ResourceNotFound'],
	ResourceInUse: [400, 'ResourceInUse'],
	ValidationError: [400, 'ValidationException'],
};

const epochSeconds = (date: Date) => date.getTime() / 1000;

type Body = Record<string, unknown>;

export class SageMaker {
	constructor(private readonly store: LocalStore) {}

	async handle(request: ApiRequest): Promise<ApiReply> {
		const target = String(request.headers['x-amz-target']);
		const operation = target.slice('SageMaker.'.length);
		const body = jsonBody<Body>(request);
		try {
			switch (operation) {
				case 'ListFeatureGroups':
					return json(await this.list(body), 200, contentType);
				case 'DescribeFeatureGroup':
					return json(describe(await this.find(requireString(body['FeatureGroupName'], 'featureGroupName', 'ValidationException')), this.store.info.createDefaults?.roleArn), 200, contentType);
				case 'CreateFeatureGroup':
					return json(await this.create(body), 200, contentType);
				case 'UpdateFeatureGroup':
					return json(await this.update(body), 200, contentType);
				case 'DeleteFeatureGroup': {
					const group = await this.find(requireString(body['FeatureGroupName'], 'featureGroupName', 'ValidationException'));
					await this.store.deleteFeatureGroup(group.FeatureGroupName);
					return json({}, 200, contentType);
				}
				default:
					// What the service says to an operation it does not have; here: one the emulator does not serve.
					throw new ApiError(400, 'UnknownOperationException', `The fs emulator does not implement SageMaker.${operation}.`);
			}
		} catch (error) {
			throw fromStoreError(error, errorCodes, [500, 'InternalFailure']);
		}
	}

	renderError(error: ApiError): ApiReply {
		return jsonError(error, contentType);
	}

	/** A group by name or ARN, as every FeatureGroupName member accepts both. */
	private async find(nameOrArn: string): Promise<FeatureGroup> {
		const groups = await this.store.listFeatureGroups();
		const group = nameOrArn.startsWith('arn:')
			? groups.find(candidate => candidate.FeatureGroupArn === nameOrArn)
			: groups.find(candidate => candidate.FeatureGroupName === nameOrArn);
		if (!group) throw new ApiError(400, 'ResourceNotFound', `Resource Not Found: Amazon SageMaker can't find a FeatureGroup with name ${nameOrArn}`);
		return group;
	}

	private async list(body: Body) {
		validate([
			oneOf(body['SortBy'], 'sortBy', ['Name', 'FeatureGroupStatus', 'OfflineStoreStatus', 'CreationTime']),
			oneOf(body['SortOrder'], 'sortOrder', ['Ascending', 'Descending']),
			oneOf(body['FeatureGroupStatusEquals'], 'featureGroupStatusEquals', ['Creating', 'Created', 'CreateFailed', 'Deleting', 'DeleteFailed']),
			oneOf(body['OfflineStoreStatusEquals'], 'offlineStoreStatusEquals', ['Active', 'Blocked', 'Disabled']),
			lengthWithin(body['NameContains'], 'nameContains', 1, 64),
		]);
		const max = optionalInteger(body['MaxResults'], 'maxResults', 1, 100, 'ValidationException') ?? 10;
		const start = decodeToken<{o: number}>(body['NextToken'] as string | undefined, 'ValidationException')?.o ?? 0;
		const nameContains = body['NameContains'] as string | undefined;
		const after = body['CreationTimeAfter'] as number | undefined;
		const before = body['CreationTimeBefore'] as number | undefined;
		const groups = (await this.store.listFeatureGroups()).filter(group =>
			(nameContains === undefined || group.FeatureGroupName.includes(nameContains))
			&& (body['FeatureGroupStatusEquals'] === undefined || group.FeatureGroupStatus === body['FeatureGroupStatusEquals'])
			&& (body['OfflineStoreStatusEquals'] === undefined || group.OfflineStoreStatus?.Status === body['OfflineStoreStatusEquals'])
			&& (after === undefined || epochSeconds(group.CreationTime) > after)
			&& (before === undefined || epochSeconds(group.CreationTime) < before));
		const key = sortKey(body['SortBy']);
		const direction = body['SortOrder'] === 'Ascending' ? 1 : -1;
		// Ties (groups created in the same millisecond) fall back to the name, so pages never overlap.
		groups.sort((a, b) => direction * (compare(key(a), key(b)) || compare(a.FeatureGroupName, b.FeatureGroupName)));
		const page = groups.slice(start, start + max);
		return {
			FeatureGroupSummaries: page.map(group => ({
				FeatureGroupName: group.FeatureGroupName,
				FeatureGroupArn: group.FeatureGroupArn,
				CreationTime: epochSeconds(group.CreationTime),
				FeatureGroupStatus: group.FeatureGroupStatus,
				...(group.OfflineStoreStatus ? {OfflineStoreStatus: group.OfflineStoreStatus} : {}),
			})),
			...(start + max < groups.length ? {NextToken: encodeToken({o: start + max})} : {}),
		};
	}

	/** FeatureAdditions (1–100, checked as CreateFeatureGroup's) and the online TTL. */
	private async update(body: Body) {
		const group = await this.find(requireString(body['FeatureGroupName'], 'featureGroupName', 'ValidationException'));
		const additions = body['FeatureAdditions'] as CreateFeatureGroupInput['FeatureDefinitions'] | undefined;
		const online = body['OnlineStoreConfig'] as {TtlDuration?: {Unit?: unknown; Value?: unknown}} | undefined;
		if (additions !== undefined && (!Array.isArray(additions) || additions.length < 1 || additions.length > 100)) {
			throw new ApiError(400, 'ValidationException', '1 validation error detected: Value at \'featureAdditions\' failed to satisfy constraint: Member must have length less than or equal to 100 and greater than or equal to 1');
		}

		validate([
			...(additions ?? []).flatMap((feature, index) => [
				oneOf(feature.FeatureType, `featureAdditions.${index + 1}.member.featureType`, ['Integral', 'Fractional', 'String'], true),
				oneOf(feature.CollectionType, `featureAdditions.${index + 1}.member.collectionType`, ['List', 'Set', 'Vector']),
				lengthWithin(feature.FeatureName, `featureAdditions.${index + 1}.member.featureName`, 1, 64),
			]),
			oneOf(online?.TtlDuration?.Unit, 'onlineStoreConfig.ttlDuration.unit', ['Seconds', 'Minutes', 'Hours', 'Days', 'Weeks']),
		]);
		await this.store.updateFeatureGroup(group.FeatureGroupName, {
			...(additions ? {FeatureAdditions: additions} : {}),
			...(online && 'TtlDuration' in online ? {TtlDuration: (online.TtlDuration ?? null) as TtlDuration | null} : {}),
		});
		return {FeatureGroupArn: group.FeatureGroupArn};
	}

	private async create(body: Body) {
		const name = requireString(body['FeatureGroupName'], 'featureGroupName', 'ValidationException');
		const input: CreateFeatureGroupInput = {
			FeatureGroupName: name,
			RecordIdentifierFeatureName: requireString(body['RecordIdentifierFeatureName'], 'recordIdentifierFeatureName', 'ValidationException'),
			EventTimeFeatureName: requireString(body['EventTimeFeatureName'], 'eventTimeFeatureName', 'ValidationException'),
			FeatureDefinitions: body['FeatureDefinitions'] as CreateFeatureGroupInput['FeatureDefinitions'],
		};
		if (!Array.isArray(input.FeatureDefinitions) || input.FeatureDefinitions.length === 0) {
			throw new ApiError(400, 'ValidationException', '1 validation error detected: Value at \'featureDefinitions\' failed to satisfy constraint: Member must have length greater than or equal to 1');
		}

		// Enums and lengths as the API reference states them, every violation in one message.
		const online = body['OnlineStoreConfig'] as {StorageType?: unknown; TtlDuration?: {Unit?: unknown}} | undefined;
		const offline = body['OfflineStoreConfig'] as {TableFormat?: unknown} | undefined;
		validate([
			...input.FeatureDefinitions.flatMap((feature, index) => [
				oneOf(feature.FeatureType, `featureDefinitions.${index + 1}.member.featureType`, ['Integral', 'Fractional', 'String'], true),
				oneOf(feature.CollectionType, `featureDefinitions.${index + 1}.member.collectionType`, ['List', 'Set', 'Vector']),
				lengthWithin(feature.FeatureName, `featureDefinitions.${index + 1}.member.featureName`, 1, 64),
			]),
			oneOf(online?.StorageType, 'onlineStoreConfig.storageType', ['Standard', 'InMemory']),
			oneOf(online?.TtlDuration?.Unit, 'onlineStoreConfig.ttlDuration.unit', ['Seconds', 'Minutes', 'Hours', 'Days', 'Weeks']),
			oneOf(offline?.TableFormat, 'offlineStoreConfig.tableFormat', ['Glue', 'Iceberg']),
			lengthWithin(body['Description'], 'description', 0, 128),
			lengthWithin(name, 'featureGroupName', 1, 64),
		]);

		for (const member of ['OnlineStoreConfig', 'OfflineStoreConfig', 'RoleArn', 'Description'] as const) {
			if (body[member] !== undefined) (input as unknown as Body)[member] = body[member];
		}

		const s3Uri = input.OfflineStoreConfig?.S3StorageConfig?.S3Uri;
		if (input.OfflineStoreConfig && (typeof s3Uri !== 'string' || !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(s3Uri))) {
			throw new ApiError(400, 'ValidationException', `OfflineStoreConfig.S3StorageConfig.S3Uri must be an s3://bucket/prefix URI, got ${JSON.stringify(s3Uri)}.`);
		}

		const group = await this.store.createFeatureGroup(input);
		return {FeatureGroupArn: group.FeatureGroupArn};
	}
}

/**
 * DescribeFeatureGroup's response, member by member. The service requires a
 * role for an offline store: a group made in the embedded store without one
 * (`fs demo --store local:…`) is described with the store's default role.
 */
function describe(group: FeatureGroup, defaultRole?: string) {
	const role = group.RoleArn ?? (group.OfflineStoreConfig ? defaultRole : undefined);
	return {
		FeatureGroupArn: group.FeatureGroupArn,
		FeatureGroupName: group.FeatureGroupName,
		RecordIdentifierFeatureName: group.RecordIdentifierFeatureName,
		EventTimeFeatureName: group.EventTimeFeatureName,
		FeatureDefinitions: group.FeatureDefinitions,
		CreationTime: epochSeconds(group.CreationTime),
		...(group.OnlineStoreConfig ? {OnlineStoreConfig: group.OnlineStoreConfig} : {}),
		...(group.OfflineStoreConfig ? {OfflineStoreConfig: group.OfflineStoreConfig} : {}),
		ThroughputConfig: {ThroughputMode: 'OnDemand'},
		...(role ? {RoleArn: role} : {}),
		FeatureGroupStatus: group.FeatureGroupStatus,
		...(group.OfflineStoreStatus ? {OfflineStoreStatus: group.OfflineStoreStatus} : {}),
		...(group.FailureReason ? {FailureReason: group.FailureReason} : {}),
		...(group.Description ? {Description: group.Description} : {}),
		// NextToken (feature definitions paging past 2,500) is left out: one page holds them all.
	};
}

function sortKey(sortBy: unknown): (group: FeatureGroup) => string | number {
	switch (sortBy) {
		case 'Name':
			return group => group.FeatureGroupName;
		case 'FeatureGroupStatus':
			return group => group.FeatureGroupStatus;
		case 'OfflineStoreStatus':
			return group => group.OfflineStoreStatus?.Status ?? '';
		default:
			return group => group.CreationTime.getTime();
	}
}

const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** One member's violation, as the service words it; undefined when it holds. */
type Violation = string | undefined;

function oneOf(value: unknown, member: string, allowed: string[], required = false): Violation {
	if (value === undefined || value === null) return required ? `Value null at '${member}' failed to satisfy constraint: Member must not be null` : undefined;
	if (typeof value === 'string' && allowed.includes(value)) return undefined;
	return `Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`;
}

function lengthWithin(value: unknown, member: string, min: number, max: number): Violation {
	if (value === undefined || value === null) return undefined;
	const length = typeof value === 'string' ? value.length : -1;
	if (length >= min && length <= max) return undefined;
	return length > max
		? `Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must have length less than or equal to ${max}`
		: `Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must have length greater than or equal to ${min}`;
}

/** ValidationException listing every violation, as the service reports them. */
function validate(checks: Violation[]) {
	const found = checks.filter((check): check is string => check !== undefined);
	if (found.length === 0) return;
	throw new ApiError(400, 'ValidationException', `${found.length} validation error${found.length === 1 ? '' : 's'} detected: ${found.join('; ')}`);
}
