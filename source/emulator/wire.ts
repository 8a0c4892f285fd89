/**
 * Records and entries as the Feature Store Runtime carries them (restJson1):
 * `Record: [{FeatureName, ValueAsString} | {FeatureName, ValueAsStringList}]`.
 */
import type {FsRecord, TargetStore, TtlDuration} from '../core/types.js';
import type {LocalStore} from '../stores/local/index.js';
import {ApiError} from './http.js';

export interface WireValue {
	FeatureName: string;
	ValueAsString?: string;
	ValueAsStringList?: string[];
}

const invalid = (message: string) => new ApiError(400, 'ValidationError', message);

export function recordFromWire(value: unknown, member = 'Record'): FsRecord {
	if (!Array.isArray(value) || value.length === 0) throw invalid(`${member} must hold at least one feature value.`);
	const record: FsRecord = {};
	for (const item of value as Array<Partial<WireValue>>) {
		const name = item?.FeatureName;
		if (typeof name !== 'string' || name === '') throw invalid(`Every value in ${member} needs a FeatureName.`);
		if (name in record) throw invalid(`${member} has feature ${name} more than once.`);
		const hasString = item.ValueAsString !== undefined && item.ValueAsString !== null;
		const hasList = item.ValueAsStringList !== undefined && item.ValueAsStringList !== null;
		if (hasString === hasList) throw invalid(`Feature ${name} needs exactly one of ValueAsString and ValueAsStringList.`);
		if (hasString) {
			if (typeof item.ValueAsString !== 'string') throw invalid(`ValueAsString of ${name} must be a string.`);
			record[name] = item.ValueAsString;
		} else {
			const list = item.ValueAsStringList;
			if (!Array.isArray(list) || list.some(element => typeof element !== 'string')) throw invalid(`ValueAsStringList of ${name} must be a list of strings.`);
			record[name] = list;
		}
	}

	return record;
}

export function recordToWire(record: FsRecord): WireValue[] {
	return Object.entries(record).map(([FeatureName, value]) => (Array.isArray(value) ? {FeatureName, ValueAsStringList: value} : {FeatureName, ValueAsString: value}));
}

export function targetStores(value: unknown): TargetStore[] | undefined {
	if (value === undefined || value === null) return undefined;
	const list = Array.isArray(value) ? value : [value];
	for (const item of list) {
		if (item !== 'OnlineStore' && item !== 'OfflineStore') throw invalid(`TargetStores holds ${JSON.stringify(item)}: use OnlineStore and/or OfflineStore.`);
	}

	return list as TargetStore[];
}

const ttlUnits = new Set(['Seconds', 'Minutes', 'Hours', 'Days', 'Weeks']);

export function ttlDuration(value: unknown): TtlDuration | undefined {
	if (value === undefined || value === null) return undefined;
	const ttl = value as Partial<TtlDuration>;
	if (!ttlUnits.has(String(ttl.Unit)) || typeof ttl.Value !== 'number' || !Number.isInteger(ttl.Value) || ttl.Value < 1) {
		throw invalid('TtlDuration needs a Unit (Seconds, Minutes, Hours, Days, Weeks) and a whole Value of at least 1.');
	}

	return {Unit: ttl.Unit!, Value: ttl.Value};
}

/**
 * Every FeatureGroupName member takes a name or an ARN. ARNs are resolved
 * against the catalog; an unknown one is left as is, so the store reports it
 * missing in its own words.
 */
export async function groupName(store: LocalStore, nameOrArn: string): Promise<string> {
	if (!nameOrArn.startsWith('arn:')) return nameOrArn;
	const group = (await store.listFeatureGroups()).find(candidate => candidate.FeatureGroupArn === nameOrArn);
	return group?.FeatureGroupName ?? nameOrArn;
}
