/**
 * Checking a whole record against its feature group, as PutRecord does:
 * known features only, a record identifier and an event time present and
 * well-formed, every value of its feature's type.
 */
import type {FeatureDefinition, FeatureGroup, FsRecord} from './types.js';
import {checkValue, eventTimeMillis, eventTimeProblem, maxIdentifierBytes} from './values.js';

export interface CheckedRecord {
	record: FsRecord;
	recordIdentifier: string;
	eventTime: string;
	eventTimeMs: number;
}

export type RecordCheck = {ok: true; checked: CheckedRecord} | {ok: false; reason: string};

/** A group's features by name, made once per group object: records are checked one by one. */
const byName = new WeakMap<FeatureGroup, Map<string, FeatureDefinition>>();

function definitionsOf(group: FeatureGroup): Map<string, FeatureDefinition> {
	let definitions = byName.get(group);
	if (!definitions) {
		definitions = new Map(group.FeatureDefinitions.map(feature => [feature.FeatureName, feature]));
		byName.set(group, definitions);
	}

	return definitions;
}

export function checkRecord(group: FeatureGroup, record: FsRecord): RecordCheck {
	const definitions = definitionsOf(group);
	const out: FsRecord = {};
	for (const [name, value] of Object.entries(record)) {
		const feature = definitions.get(name);
		if (!feature) {
			return {ok: false, reason: `feature ${JSON.stringify(name)} is not defined in ${group.FeatureGroupName}`};
		}

		const checked = checkValue(feature, value);
		if (!checked.ok) return checked;
		out[name] = checked.value;
	}

	const idName = group.RecordIdentifierFeatureName;
	const recordIdentifier = out[idName];
	if (typeof recordIdentifier !== 'string' || recordIdentifier === '') {
		return {ok: false, reason: `record identifier ${idName} is missing`};
	}

	if (Buffer.byteLength(recordIdentifier) > maxIdentifierBytes) {
		return {ok: false, reason: `record identifier ${idName} is longer than 2 KB`};
	}

	const timeName = group.EventTimeFeatureName;
	const eventTime = out[timeName];
	if (typeof eventTime !== 'string' || eventTime === '') {
		return {ok: false, reason: `event time ${timeName} is missing`};
	}

	const eventFeature = definitions.get(timeName)!;
	const eventTimeMs = eventTimeMillis(eventFeature.FeatureType, eventTime);
	if (eventTimeMs === undefined) return {ok: false, reason: eventTimeProblem(eventFeature, eventTime)};
	return {ok: true, checked: {record: out, recordIdentifier, eventTime, eventTimeMs}};
}
