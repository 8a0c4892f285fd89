/**
 * Values as the runtime API carries them: strings. These functions check that
 * a string is a valid value of a feature type and return its canonical form.
 * Integral stays a decimal string (exact signed 64-bit), never a JS number.
 */
import type {FeatureDefinition, FeatureType, FeatureValue} from './types.js';

export const maxValueBytes = 350 * 1024;
export const maxIdentifierBytes = 2 * 1024;

const int64Min = -(2n ** 63n);
const int64Max = 2n ** 63n - 1n;

export type Checked = {ok: true; value: string} | {ok: false; reason: string};

const decimalPattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The exact integer a decimal literal denotes, or undefined when it has a
 * fractional part ("30.0" and "3e2" are integers; "1.5" and "1e-1" are not).
 */
export function exactInteger(text: string): bigint | undefined {
	const trimmed = text.trim();
	if (!decimalPattern.test(trimmed)) return undefined;
	const match = /^([+-]?)(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(trimmed)!;
	const sign = match[1] === '-' ? -1n : 1n;
	let digits = (match[2] ?? '') + (match[3] ?? '');
	let exponent = Number(match[4] ?? 0) - (match[3] ?? '').length;
	if (Math.abs(exponent) > 400) {
		// Far outside int64 either way, unless all digits are zero.
		if (/^0*$/.test(digits)) return 0n;
		return exponent > 0 ? sign * 10n ** 400n : undefined;
	}

	while (exponent < 0 && digits.endsWith('0')) {
		digits = digits.slice(0, -1);
		exponent++;
	}

	if (digits === '') return 0n;
	if (exponent < 0) return undefined;
	return sign * BigInt(digits) * 10n ** BigInt(exponent);
}

export function checkIntegral(text: string): Checked {
	const value = exactInteger(text);
	if (value === undefined) return {ok: false, reason: `${quote(text)} is not an Integral (a whole number)`};
	if (value < int64Min || value > int64Max) {
		return {ok: false, reason: `${quote(text)} is outside the signed 64-bit range of Integral`};
	}

	return {ok: true, value: value.toString()};
}

export function checkFractional(text: string): Checked {
	const trimmed = text.trim();
	const number = Number(trimmed);
	if (!decimalPattern.test(trimmed) || !Number.isFinite(number)) {
		return {ok: false, reason: `${quote(text)} is not a Fractional (a finite decimal number)`};
	}

	return {ok: true, value: String(number)};
}

/**
 * Where a string stops being well-formed UTF-16: the index of its first lone
 * surrogate (a half of a pair without the other half, as JSON's "\ud800"
 * writes one), or -1. Such text has no UTF-8 form: Parquet and DuckDB refuse
 * it. Node 20 has no String.prototype.isWellFormed.
 */
export function loneSurrogateAt(text: string): number {
	// Most text holds no surrogate at all: one scan for the range first.
	if (!/[\ud800-\udfff]/.test(text)) return -1;
	return text.search(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
}

/** Why a string is not well-formed Unicode, or undefined when it is. */
export function unicodeProblem(text: string): string | undefined {
	const at = loneSurrogateAt(text);
	return at < 0 ? undefined : `${quote(text)} is not valid Unicode: a lone surrogate at character ${at + 1}`;
}

export function checkString(text: string): Checked {
	const problem = unicodeProblem(text);
	if (problem) return {ok: false, reason: problem};
	if (Buffer.byteLength(text) > maxValueBytes) {
		return {ok: false, reason: `value is larger than ${maxValueBytes / 1024} KB`};
	}

	return {ok: true, value: text};
}

export function checkScalar(type: FeatureType, text: string): Checked {
	switch (type) {
		case 'Integral':
			return checkIntegral(text);
		case 'Fractional':
			return checkFractional(text);
		case 'String':
			return checkString(text);
	}
}

export type CheckedValue = {ok: true; value: FeatureValue} | {ok: false; reason: string};

/** Check a value against a feature definition, collections included. */
export function checkValue(feature: FeatureDefinition, value: FeatureValue): CheckedValue {
	const name = feature.FeatureName;
	if (feature.CollectionType === undefined) {
		if (Array.isArray(value)) return {ok: false, reason: `${name}: a list was given for a scalar ${feature.FeatureType}`};
		const checked = checkScalar(feature.FeatureType, value);
		return checked.ok ? checked : {ok: false, reason: `${name}: ${checked.reason}`};
	}

	if (!Array.isArray(value)) {
		return {ok: false, reason: `${name}: expected a ${feature.CollectionType} of ${feature.FeatureType}`};
	}

	const out: string[] = [];
	for (const element of value) {
		const checked = checkScalar(feature.FeatureType, element);
		if (!checked.ok) return {ok: false, reason: `${name}: element ${checked.reason}`};
		out.push(checked.value);
	}

	if (feature.CollectionType === 'Set' && new Set(out).size !== out.length) {
		return {ok: false, reason: `${name}: a Set may not hold the same value twice`};
	}

	const dimension = feature.CollectionConfig?.VectorConfig.Dimension;
	if (feature.CollectionType === 'Vector' && dimension !== undefined && out.length !== dimension) {
		return {ok: false, reason: `${name}: Vector needs ${dimension} elements, got ${out.length}`};
	}

	return {ok: true, value: out};
}

const isoEventTime = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{3})?Z$/;

/**
 * Milliseconds since the epoch of an event time, or undefined when it is not
 * one of SageMaker's formats: ISO-8601 UTC `yyyy-MM-ddTHH:mm:ssZ` or
 * `yyyy-MM-ddTHH:mm:ss.SSSZ` for String, seconds since the epoch for
 * Fractional.
 */
export function eventTimeMillis(type: FeatureType, text: string): number | undefined {
	if (type === 'Fractional') {
		const checked = checkFractional(text);
		if (!checked.ok) return undefined;
		return Math.round(Number(checked.value) * 1000);
	}

	if (type !== 'String') return undefined;
	const match = isoEventTime.exec(text);
	if (!match) return undefined;
	const [, year, month, day, hour, minute, second, fraction] = match;
	const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), fraction ? Number(fraction.slice(1)) : 0);
	const date = new Date(millis);
	// Reject dates that Date.UTC silently rolls over (2024-02-31).
	if (date.getUTCDate() !== Number(day) || date.getUTCMonth() !== Number(month) - 1 || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
		return undefined;
	}

	return millis;
}

export function eventTimeProblem(feature: FeatureDefinition, text: string): string {
	return feature.FeatureType === 'Fractional'
		? `${feature.FeatureName}: ${quote(text)} is not an event time (seconds since the epoch, e.g. 1700000000.123)`
		: `${feature.FeatureName}: ${quote(text)} is not an event time (ISO-8601 UTC, e.g. 2024-05-01T12:00:00Z or 2024-05-01T12:00:00.000Z)`;
}

/** Format epoch milliseconds the way an event time of this type is written. */
export function formatEventTime(type: FeatureType, millis: number): string {
	if (type === 'Fractional') return String(millis / 1000);
	return new Date(millis).toISOString().replace(/\.000Z$/, 'Z');
}

function quote(text: string): string {
	const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
	return JSON.stringify(shown);
}
