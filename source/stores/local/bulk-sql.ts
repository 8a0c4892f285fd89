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

/**
 * Whether the source value is one PutRecord takes and the typed value holds it
 * exactly; `column` is the typed value (a column of the load table).
 */
export function valueCheck(load: LoadColumn, column: string, role?: 'id' | 'time'): string {
	const {feature, source, sourceType} = load;
	const raw = source === undefined ? 'NULL' : `CAST(${sqlName(source)} AS VARCHAR)`;
	const text = source === undefined || sourceType === 'VARCHAR' ? raw : undefined;
	const checks: string[] = [];
	if (role === 'id') checks.push(`${column} IS NOT NULL AND ${column} <> '' AND strlen(${column}) <= ${maxIdentifierBytes}`);
	if (role === 'time') checks.push(`${column} IS NOT NULL`);
	if (feature.FeatureType === 'String') {
		checks.push(`${column} IS NULL OR strlen(${column}) <= ${maxValueBytes}`);
		if (role === 'time') checks.push(`regexp_full_match(${column}, ${sqlString(isoEventTime)}) AND TRY_CAST(${column}[1:-2] AS TIMESTAMP) IS NOT NULL`);
	} else if (feature.FeatureType === 'Integral') {
		// A text source must be a plain integer: "1e3" and "1.0" are left to the record path.
		checks.push(text ? `${raw} IS NULL OR (regexp_full_match(trim(${raw}), '[+-]?\\d+') AND ${column} IS NOT NULL)` : `true`);
	} else {
		checks.push(text ? `${raw} IS NULL OR (regexp_full_match(trim(${raw}), ${sqlString(decimalPattern)}) AND isfinite(${column}))` : `${column} IS NULL OR isfinite(${column})`);
	}

	return checks.map(check => `(${check})`).join(' AND ');
}

/**
 * A typed value as the API's text (what the online record holds). A
 * Fractional's DuckDB text is read from `${column}_text`, which the query
 * computes once (fractionalTexts).
 */
export function apiText(feature: FeatureDefinition, column: string): string {
	if (feature.FeatureType === 'String') return column;
	if (feature.FeatureType === 'Integral') return `CAST(${column} AS VARCHAR)`;
	return `js_number(${column}, ${column}_text)`;
}

/** The `${column}_text` columns apiText reads, for a SELECT list (may be empty). */
export function fractionalTexts(features: FeatureDefinition[], column: (index: number) => string): string[] {
	return features.flatMap((feature, index) => (feature.FeatureType === 'Fractional' ? [`CAST(${column(index)} AS VARCHAR) AS ${column(index)}_text`] : []));
}

/** Epoch milliseconds of a typed event time, as core/values computes them; NULL when out of range. */
export function eventMillis(feature: FeatureDefinition, column: string): string {
	if (feature.FeatureType === 'String') return `epoch_ms(TRY_CAST(${column}[1:-2] AS TIMESTAMP))`;
	// Math.round: halves go up, also for negative times.
	return `TRY_CAST(floor(${column} * 1000 + 0.5) AS BIGINT)`;
}
