/**
 * SQL for bulk loads: the checks PutRecord makes (core/records, core/values)
 * and the API text of each value, as DuckDB expressions, so that a bulk load
 * stores exactly what record-by-record writes would. Rows a check cannot vouch
 * for are not guessed at: the load is refused and goes record by record.
 */
import type {FeatureDefinition} from '../../core/types.js';
import {maxIdentifierBytes, maxValueBytes} from '../../core/values.js';
import {sqlName, sqlString} from '../../io/duckdb.js';

/**
 * `js_number(x, text)`: a DOUBLE as JavaScript's String(x) writes it — what the
 * record path stores for a Fractional. DuckDB prints the same shortest digits
 * but "1.0", "1e-07", "1e+16" where JavaScript writes "1", "1e-7",
 * "10000000000000000"; the exponent form is laid out again from its digits.
 */
export const valueMacros = [
	`CREATE OR REPLACE MACRO js_layout(sign, digits, e) AS sign || CASE
		WHEN e >= 21 OR e <= -7 THEN left(digits, 1) || CASE WHEN length(digits) > 1 THEN '.' || digits[2:] ELSE '' END
			|| 'e' || CASE WHEN e >= 0 THEN '+' ELSE '-' END || CAST(abs(e) AS VARCHAR)
		WHEN e >= length(digits) - 1 THEN digits || repeat('0', CAST(e - length(digits) + 1 AS BIGINT))
		WHEN e >= 0 THEN digits[1:e + 1] || '.' || digits[e + 2:]
		ELSE '0.' || repeat('0', CAST(-e - 1 AS BIGINT)) || digits
	END`,
	`CREATE OR REPLACE MACRO js_exponent(s) AS js_layout(
		regexp_extract(s, '^(-?)', 1),
		regexp_extract(s, '^-?(\\d)', 1) || regexp_extract(s, '^-?\\d\\.?(\\d*)e', 1),
		CAST(regexp_extract(s, 'e([+-]\\d+)$', 1) AS INTEGER))`,
	`CREATE OR REPLACE MACRO js_text(s) AS CASE
		WHEN contains(s, 'e') THEN js_exponent(s)
		WHEN suffix(s, '.0') THEN s[1:-3]
		ELSE s
	END`,
	// `text` is CAST(x AS VARCHAR), computed once by the caller: a macro's
	// argument is evaluated wherever it appears (a third of a load's time).
	'CREATE OR REPLACE MACRO js_number(x, text) AS CASE WHEN x = 0 THEN \'0\' ELSE js_text(text) END',
];

/** core/values' decimal literal. */
const decimalPattern = String.raw`[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`;
/** core/values' ISO-8601 event time; DuckDB's cast then rejects impossible dates. */
const isoEventTime = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z`;

export interface LoadColumn {
	feature: FeatureDefinition;
	/** The source column, or undefined when the feature is left empty. */
	source?: string;
	/** The source column's DuckDB type. */
	sourceType?: string;
}

/** A feature's value in its offline (Parquet) type, from the source column. */
export function typedValue({feature, source, sourceType}: LoadColumn): string {
	const type = {Integral: 'BIGINT', Fractional: 'DOUBLE', String: 'VARCHAR'}[feature.FeatureType];
	if (source === undefined) return `CAST(NULL AS ${type})`;
	if (sourceType === type) return sqlName(source);
	return `TRY_CAST(${feature.FeatureType === 'String' ? sqlName(source) : `trim(CAST(${sqlName(source)} AS VARCHAR))`} AS ${type})`;
}

/** The source value as text, when a check reads it: from a text column (else undefined). */
export function rawText({source, sourceType}: LoadColumn): string | undefined {
	if (source === undefined) return 'CAST(NULL AS VARCHAR)';
	return sourceType === 'VARCHAR' ? sqlName(source) : undefined;
}

/**
 * Whether the source value is one PutRecord takes and the typed value holds it
 * exactly: checks that must all hold, each on its own. `column` is the typed
 * value, `raw` the column rawText made (when it made one). No check puts one
 * column under AND or OR twice: in a projection of thousands of such
 * expressions DuckDB's planner takes seconds (a 2,500-feature load spent 5 s
 * a batch planning); the load ANDs the checks in one conjunction.
 */
export function valueChecks(load: LoadColumn, column: string, raw: string | undefined, role?: 'id' | 'time'): string[] {
	const {feature} = load;
	const checks: string[] = [];
	if (role === 'id') checks.push(`coalesce(${column} <> '', false)`, `coalesce(strlen(${column}) <= ${maxIdentifierBytes}, false)`);
	if (role === 'time') checks.push(`${column} IS NOT NULL`);
	if (feature.FeatureType === 'String') {
		checks.push(`coalesce(strlen(${column}) <= ${maxValueBytes}, true)`);
		if (role === 'time') checks.push(`coalesce(regexp_full_match(${column}, ${sqlString(isoEventTime)}), false)`, `TRY_CAST(${column}[1:-2] AS TIMESTAMP) IS NOT NULL`);
	} else if (feature.FeatureType === 'Integral') {
		// A text source must be a plain integer: "1e3" and "1.0" are left to the record path.
		if (raw) checks.push(`CASE WHEN ${raw} IS NULL THEN true WHEN ${column} IS NULL THEN false ELSE regexp_full_match(trim(${raw}), '[+-]?\\d+') END`);
	} else if (raw) {
		checks.push(`CASE WHEN ${raw} IS NULL THEN true WHEN NOT coalesce(isfinite(${column}), false) THEN false ELSE regexp_full_match(trim(${raw}), ${sqlString(decimalPattern)}) END`);
	} else {
		checks.push(`coalesce(isfinite(${column}), true)`);
	}

	return checks;
}

/**
 * The typed values of `features` (`column(index)`) as the API's text (what
 * the online record holds), and the SELECT items they read: a Fractional's
 * text comes from list `__ft`, where js_number is applied by one lambda to
 * all of them. Written out per column, the macro's expansion (its argument
 * repeated a dozen times) took DuckDB's planner seconds at 2,500 features.
 */
export function apiTexts(features: FeatureDefinition[], column: (index: number) => string): {texts: string[]; select: string[]} {
	const fractional = features.flatMap((feature, index) => (feature.FeatureType === 'Fractional' ? [index] : []));
	const position = new Map(fractional.map((index, at) => [index, at + 1]));
	const texts = features.map((feature, index) => {
		if (feature.FeatureType === 'String') return column(index);
		if (feature.FeatureType === 'Integral') return `CAST(${column(index)} AS VARCHAR)`;
		return `__ft[${position.get(index)!}]`;
	});
	const select = fractional.length === 0 ? [] : [`list_transform(list_transform([${fractional.map(index => `CAST(${column(index)} AS DOUBLE)`).join(', ')}],
		x -> {'x': x, 't': CAST(x AS VARCHAR)}), p -> js_number(p.x, p.t)) AS __ft`];
	return {texts, select};
}

/** Epoch milliseconds of a typed event time, as core/values computes them; NULL when out of range. */
export function eventMillis(feature: FeatureDefinition, column: string): string {
	if (feature.FeatureType === 'String') return `epoch_ms(TRY_CAST(${column}[1:-2] AS TIMESTAMP))`;
	// Math.round: halves go up, also for negative times.
	return `TRY_CAST(floor(${column} * 1000 + 0.5) AS BIGINT)`;
}
