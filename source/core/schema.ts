/**
 * Feature definitions: checking a group's schema and reading/writing the
 * schema file format (`fs schema -o json`, `fs create --schema-file`): a JSON
 * array of {FeatureName, FeatureType[, CollectionType, CollectionConfig]}.
 */
import {usageError} from './errors.js';
import {checkFeatureGroupName, checkFeatureName} from './names.js';
import type {CreateFeatureGroupInput, FeatureDefinition, FeatureGroup} from './types.js';

const featureTypes = ['Integral', 'Fractional', 'String'];
const collectionTypes = ['List', 'Set', 'Vector'];

export function parseSchema(text: string, source: string): FeatureDefinition[] {
	let parsed: unknown;
	try {
		parsed = JSON.parse(text);
	} catch (error) {
		throw usageError(
			`${source} is not valid JSON: ${(error as Error).message}.`,
			'Write the schema as `fs schema GROUP -o json` prints it: [{"FeatureName": "id", "FeatureType": "String"}, …].',
		);
	}

	// Accept a DescribeFeatureGroup document too: its FeatureDefinitions.
	if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'FeatureDefinitions' in parsed) {
		parsed = (parsed as {FeatureDefinitions: unknown}).FeatureDefinitions;
	}

	if (!Array.isArray(parsed) || parsed.length === 0) {
		throw usageError(
			`${source} must be a non-empty JSON array of feature definitions.`,
			'Write the schema as `fs schema GROUP -o json` prints it: [{"FeatureName": "id", "FeatureType": "String"}, …].',
		);
	}

	return parsed.map((entry, index) => schemaEntry(entry, `${source}[${index}]`));
}

function schemaEntry(entry: unknown, where: string): FeatureDefinition {
	const fix = 'Each entry needs "FeatureName" and "FeatureType" (Integral, Fractional or String).';
	if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw usageError(`${where} is not an object.`, fix);
	const {FeatureName, FeatureType, CollectionType, CollectionConfig} = entry as Record<string, unknown>;
	if (typeof FeatureName !== 'string') throw usageError(`${where} has no "FeatureName".`, fix);
	if (typeof FeatureType !== 'string' || !featureTypes.includes(FeatureType)) {
		throw usageError(`${where} (${FeatureName}) has FeatureType ${JSON.stringify(FeatureType)}.`, fix);
	}

	const definition: FeatureDefinition = {FeatureName, FeatureType: FeatureType as FeatureDefinition['FeatureType']};
	if (CollectionType !== undefined) {
		if (typeof CollectionType !== 'string' || !collectionTypes.includes(CollectionType)) {
			throw usageError(`${where} (${FeatureName}) has CollectionType ${JSON.stringify(CollectionType)}.`, 'Use List, Set or Vector, or leave it out.');
		}

		definition.CollectionType = CollectionType as FeatureDefinition['CollectionType'];
	}

	if (CollectionConfig !== undefined) {
		const dimension = (CollectionConfig as {VectorConfig?: {Dimension?: unknown}})?.VectorConfig?.Dimension;
		if (typeof dimension !== 'number' || !Number.isInteger(dimension) || dimension < 1 || dimension > 8192) {
			throw usageError(`${where} (${FeatureName}) has an invalid CollectionConfig.`, 'Use {"VectorConfig": {"Dimension": N}} with 1 ≤ N ≤ 8192.');
		}

		definition.CollectionConfig = {VectorConfig: {Dimension: dimension}};
	}

	return definition;
}

/**
 * An offline store's location has no "." or ".." segment in its prefix.
 * Tools that resolve such segments (the embedded store keeps S3 as files,
 * many clients normalise paths) would put the data elsewhere than the URI
 * says, outside the store even.
 */
export function checkS3Uri(uri: string): void {
	// The scheme and bucket are the store's to check (SageMaker takes https:// too).
	const segments = uri.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split('/');
	if (segments.some(segment => segment === '.' || segment === '..')) {
		throw usageError(`The S3 URI ${uri} has a "." or ".." segment.`, 'Write the offline store\'s location without them, as s3://bucket/prefix.');
	}
}

/** The rules CreateFeatureGroup applies to its input. */
export function checkCreateInput(input: CreateFeatureGroupInput): void {
	checkFeatureGroupName(input.FeatureGroupName);
	const seen = new Set<string>();
	for (const feature of input.FeatureDefinitions) {
		checkFeatureName(feature.FeatureName);
		const key = feature.FeatureName.toLowerCase();
		if (seen.has(key)) throw usageError(`Feature ${feature.FeatureName} is defined twice.`, 'Give every feature its own name (names are case-insensitive).');
		seen.add(key);
		if (feature.CollectionType === 'Vector' && feature.FeatureType !== 'Fractional') {
			throw usageError(`Feature ${feature.FeatureName} is a Vector of ${feature.FeatureType}.`, 'Vectors hold Fractional elements only.');
		}

		if (feature.CollectionType === 'Vector' && !feature.CollectionConfig) {
			throw usageError(`Feature ${feature.FeatureName} is a Vector without a dimension.`, 'Add "CollectionConfig": {"VectorConfig": {"Dimension": N}}.');
		}
	}

	if (input.FeatureDefinitions.length > 2500) throw usageError('A feature group holds at most 2,500 features.', 'Split the features over several groups.');
	const byName = new Map(input.FeatureDefinitions.map(feature => [feature.FeatureName, feature]));
	const id = byName.get(input.RecordIdentifierFeatureName);
	if (!id) {
		throw usageError(
			`The record identifier ${input.RecordIdentifierFeatureName} is not in the schema.`,
			'Add it to the schema file or name another feature with --record-identifier-name.',
		);
	}

	if (id.FeatureType === 'Fractional' || id.CollectionType) {
		throw usageError(`The record identifier ${id.FeatureName} is ${id.CollectionType ?? id.FeatureType}: it must be a String or Integral feature.`, 'Pick a String or Integral feature with --record-identifier-name.');
	}

	const time = byName.get(input.EventTimeFeatureName);
	if (!time) {
		throw usageError(
			`The event time feature ${input.EventTimeFeatureName} is not in the schema.`,
			'Add it to the schema file or name another feature with --event-time-feature-name.',
		);
	}

	if (time.FeatureType === 'Integral' || time.CollectionType) {
		throw usageError(`The event time feature ${time.FeatureName} is ${time.CollectionType ?? time.FeatureType}: it must be String (ISO-8601) or Fractional (epoch seconds).`, 'Pick such a feature with --event-time-feature-name.');
	}

	if (input.OfflineStoreConfig) checkS3Uri(input.OfflineStoreConfig.S3StorageConfig.S3Uri);
	const online = input.OnlineStoreConfig?.EnableOnlineStore === true;
	if (!online && !input.OfflineStoreConfig) {
		throw usageError('A feature group needs an online store, an offline store or both.', 'Drop --no-online-store or --no-offline-store.');
	}

	const collections = input.FeatureDefinitions.filter(feature => feature.CollectionType);
	if (collections.length > 0 && input.OnlineStoreConfig?.StorageType !== 'InMemory') {
		throw usageError(
			`Collection features (${collections.map(feature => feature.FeatureName).join(', ')}) need an InMemory online store.`,
			'Create the group with an InMemory online store, or make these features scalar.',
		);
	}
}

/**
 * Features to add to `group` (UpdateFeatureGroup's FeatureAdditions): new
 * names (case-insensitively), valid and not reserved, 1–100 a call, 2,500 in
 * all; collections need an InMemory online store. Features can be added,
 * never removed or changed.
 */
export function checkFeatureAdditions(group: FeatureGroup, additions: FeatureDefinition[]): void {
	if (additions.length === 0 || additions.length > 100) throw usageError(`Add 1 to 100 features at a time (UpdateFeatureGroup's limit), not ${additions.length}.`, 'Split the features over several calls.');
	const taken = new Set(group.FeatureDefinitions.map(feature => feature.FeatureName.toLowerCase()));
	for (const feature of additions) {
		checkFeatureName(feature.FeatureName);
		if (taken.has(feature.FeatureName.toLowerCase())) {
			throw usageError(`${group.FeatureGroupName} has a feature ${feature.FeatureName} already.`, 'Features can be added, never changed or removed: pick a new name.', 'ValidationError');
		}

		taken.add(feature.FeatureName.toLowerCase());
		if (feature.CollectionType && group.OnlineStoreConfig?.EnableOnlineStore && group.OnlineStoreConfig.StorageType !== 'InMemory') {
			throw usageError(`Collection feature ${feature.FeatureName} needs an InMemory online store; ${group.FeatureGroupName}'s is ${group.OnlineStoreConfig.StorageType ?? 'Standard'}.`, 'Add it as a scalar feature, or to a group with an InMemory online store.');
		}
	}

	if (taken.size > 2500) throw usageError(`${group.FeatureGroupName} would have ${taken.size} features; a feature group holds at most 2,500.`, 'Add fewer features, or split them over several groups.');
}

export function schemaJson(definitions: FeatureDefinition[]): string {
	return JSON.stringify(definitions, undefined, 2);
}
