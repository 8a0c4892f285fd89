/**
 * A new feature group for a migration's target: drafted from the source's
 * schema, edited (features added, dropped, retyped), created, and waited for
 * until Created. `fs create` and the guided app's "new feature group" both
 * create through here (docs/new-group.md).
 */
import {runtimeError, usageError} from '../core/errors.js';
import {checkCreateInput} from '../core/schema.js';
import type {CreateFeatureGroupInput, FeatureDefinition, FeatureGroup, FeatureType} from '../core/types.js';
import {hasOnlineStore} from '../core/types.js';
import type {Store} from '../stores/store.js';

/** A feature of a draft, next to what the source had (none: new). */
export interface DraftFeature {
	feature: FeatureDefinition;
	/** The source's definition of the same name. */
	was?: FeatureDefinition;
	dropped: boolean;
}

export interface NewGroupDraft {
	name: string;
	source: FeatureGroup;
	features: DraftFeature[];
}

/** A free name after the source's: NAME-v2, NAME-v3, … (an existing -vN counts on). */
export function freeName(source: string, taken: Iterable<string>): string {
	const names = new Set([...taken].map(name => name.toLowerCase()));
	const match = /^(.*)-v(\d+)$/.exec(source);
	const base = match ? match[1]! : source;
	for (let version = match ? Number(match[2]) + 1 : 2; ; version++) {
		const name = `${base.slice(0, 64 - `-v${version}`.length)}-v${version}`;
		if (!names.has(name.toLowerCase())) return name;
	}
}

export function draftFrom(source: FeatureGroup, taken: Iterable<string>): NewGroupDraft {
	return {
		name: freeName(source.FeatureGroupName, taken),
		source,
		features: source.FeatureDefinitions.map(feature => ({feature: {...feature}, was: feature, dropped: false})),
	};
}

/** The scalar types, in the order the editor cycles through them. */
export const featureTypes: FeatureType[] = ['String', 'Integral', 'Fractional'];

/** Why a draft's feature cannot be dropped or retyped as asked, if it cannot. */
export function roleOf(draft: NewGroupDraft, name: string): 'identifier' | 'event time' | undefined {
	if (name === draft.source.RecordIdentifierFeatureName) return 'identifier';
	if (name === draft.source.EventTimeFeatureName) return 'event time';
	return undefined;
}

/**
 * The CreateFeatureGroup request for a draft: the source's identifier, event
 * time, stores (online storage type and TTL, offline table format) and, on
 * the service, its role; the offline location is the store's default for new
 * groups, else the source's. Checked as `fs create` checks a schema file.
 */
export function newGroupInput(store: Store, draft: NewGroupDraft): CreateFeatureGroupInput {
	const {source} = draft;
	const input: CreateFeatureGroupInput = {
		FeatureGroupName: draft.name,
		RecordIdentifierFeatureName: source.RecordIdentifierFeatureName,
		EventTimeFeatureName: source.EventTimeFeatureName,
		FeatureDefinitions: draft.features.filter(item => !item.dropped).map(item => item.feature),
		Description: `Created by fs from ${source.FeatureGroupName}`,
	};
	if (hasOnlineStore(source)) {
		const {StorageType, TtlDuration} = source.OnlineStoreConfig!;
		input.OnlineStoreConfig = {EnableOnlineStore: true, ...(StorageType ? {StorageType} : {}), ...(TtlDuration ? {TtlDuration} : {})};
	}

	if (source.OfflineStoreConfig) {
		const defaults = store.info.createDefaults;
		const s3Uri = defaults?.s3Uri ?? source.OfflineStoreConfig.S3StorageConfig.S3Uri;
		const {TableFormat} = source.OfflineStoreConfig;
		input.OfflineStoreConfig = {S3StorageConfig: {S3Uri: s3Uri}, ...(TableFormat ? {TableFormat} : {})};
		const role = defaults?.roleArn ?? source.RoleArn;
		if (!role) throw usageError(`${source.FeatureGroupName} names no role for its offline store, and the store has no default.`, 'Create the group with `fs create … --role-arn ARN`, then pick it as the target.');
		input.RoleArn = role;
	}

	checkCreateInput(input);
	return input;
}

/** Create the group and wait until it is Created (SageMaker takes a minute or so). */
export async function createAndWait(store: Store, input: CreateFeatureGroupInput, progress: (text: string) => void = () => undefined): Promise<FeatureGroup> {
	await store.createFeatureGroup(input);
	return waitUntilCreated(store, input.FeatureGroupName, progress);
}

export async function waitUntilCreated(store: Store, name: string, progress: (text: string) => void, timeoutMs = 15 * 60_000): Promise<FeatureGroup> {
	const started = Date.now();
	let delay = 250;
	let said = false;
	for (;;) {
		const group = await store.describeFeatureGroup(name);
		if (group.FeatureGroupStatus === 'Created') return group;
		if (group.FeatureGroupStatus !== 'Creating') {
			throw runtimeError(`${name} is ${group.FeatureGroupStatus}${group.FailureReason ? `: ${group.FailureReason}` : ''}.`, 'Fix the cause, delete the group and create it again.');
		}

		if (Date.now() - started > timeoutMs) {
			throw runtimeError(`${name} is still Creating after ${Math.round(timeoutMs / 60_000)} minutes.`, `Check it later with \`fs list\`; it can be used once Created.`);
		}

		if (!said) progress(`waiting for ${name} to be Created…`);
		said = true;
		await new Promise(resolve => setTimeout(resolve, delay));
		delay = Math.min(delay * 2, 5000);
	}
}
