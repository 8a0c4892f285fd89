/**
 * Turning a source record into a target record, per the compatibility
 * actions. A value that does not cast exactly is never truncated: the record
 * fails with the reason.
 */
import type {Compatibility} from './compat.js';
import {checkRecord} from './records.js';
import type {FeatureDefinition, FeatureGroup, FeatureValue, FsRecord} from './types.js';
import {checkFractional, checkIntegral, exactInteger, eventTimeMillis, formatEventTime} from './values.js';

export type CastResult = {ok: true; record: FsRecord} | {ok: false; feature: string; reason: string};

type ScalarCast = (value: string) => {ok: true; value: string} | {ok: false; reason: string};

function scalarCast(from: FeatureDefinition, to: FeatureDefinition, eventTime: boolean): ScalarCast {
	const source = from.FeatureType;
	const target = to.FeatureType;
	if (eventTime) {
		if (source === 'String' && target === 'Fractional') {
			return value => {
				const millis = eventTimeMillis('String', value);
				return millis === undefined ? {ok: false, reason: `${JSON.stringify(value)} is not an ISO-8601 event time`} : {ok: true, value: formatEventTime('Fractional', millis)};
			};
		}

		return value => {
			const millis = eventTimeMillis('Fractional', value);
			return millis === undefined ? {ok: false, reason: `${JSON.stringify(value)} is not an epoch-seconds event time`} : {ok: true, value: formatEventTime('String', millis)};
		};
	}

	if (target === 'String') return value => ({ok: true, value});
	if (target === 'Integral') {
		return value => {
			const checked = checkIntegral(value);
			return checked.ok ? checked : {ok: false, reason: `${JSON.stringify(value)} is not exactly an Integral`};
		};
	}

	// To Fractional.
	if (source === 'Integral') {
		return value => {
			const exact = exactInteger(value);
			const number = Number(value);
			if (exact === undefined || BigInt(number) !== exact) return {ok: false, reason: `${value} has no exact Fractional (double) value`};
			return {ok: true, value: String(number)};
		};
	}

	return value => {
		const checked = checkFractional(value);
		return checked.ok ? checked : {ok: false, reason: `${JSON.stringify(value)} is not a Fractional`};
	};
}

interface Step {
	name: string;
	cast?: ScalarCast;
}

/** A function from source records to target records. */
export function makeCaster(compatibility: Compatibility, targetEventTime: string): (record: FsRecord) => CastResult {
	const steps: Step[] = [];
	for (const action of compatibility.actions) {
		if (action.kind === 'copy') steps.push({name: action.name});
		if (action.kind === 'cast') steps.push({name: action.name, cast: scalarCast(action.source!, action.target!, action.name === targetEventTime)});
	}

	return record => {
		const out: FsRecord = {};
		for (const step of steps) {
			const value: FeatureValue | undefined = record[step.name];
			if (value === undefined) continue;
			if (!step.cast) {
				out[step.name] = value;
				continue;
			}

			if (Array.isArray(value)) {
				const list: string[] = [];
				for (const element of value) {
					const result = step.cast(element);
					if (!result.ok) return {ok: false, feature: step.name, reason: `${step.name}: element ${result.reason}`};
					list.push(result.value);
				}

				out[step.name] = list;
				continue;
			}

			const result = step.cast(value);
			if (!result.ok) return {ok: false, feature: step.name, reason: `${step.name}: ${result.reason}`};
			out[step.name] = result.value;
		}

		return {ok: true, record: out};
	};
}

export type TargetRecord = {ok: true; record: FsRecord} | {ok: false; code: 'CastError' | 'ValidationError'; reason: string};

/**
 * Source records as the target's records: cast, then checked as PutRecord
 * checks them (core/records). A record the target would refuse fails here,
 * before its write, so its failed-records line is written before the write
 * that moves the checkpoint past it (the embedded store saves the position
 * with the records).
 */
export function makeTargetRecords(compatibility: Compatibility, target: FeatureGroup): (record: FsRecord) => TargetRecord {
	const cast = makeCaster(compatibility, target.EventTimeFeatureName);
	return record => {
		const result = cast(record);
		if (!result.ok) return {ok: false, code: 'CastError', reason: result.reason};
		const checked = checkRecord(target, result.record);
		return checked.ok ? result : {ok: false, code: 'ValidationError', reason: checked.reason};
	};
}
