/**
 * Filters are written for Athena (Presto/Trino SQL). DuckDB runs most of it
 * as is (`interval '30' day`, `IN (…)`, `current_date`, `date_diff`); the
 * common Presto functions it lacks are defined here as macros, and
 * `date_parse`, whose MySQL-style format DuckDB's strptime cannot take
 * through a macro, is rewritten in the text.
 */

/** Run once per DuckDB connection, after `SET TimeZone='UTC'`. */
export const prestoMacros = [
	'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
	'CREATE OR REPLACE MACRO from_iso8601_date(s) AS CAST(s AS DATE)',
	'CREATE OR REPLACE MACRO from_unixtime(x) AS to_timestamp(x)',
	'CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t)',
	'CREATE OR REPLACE MACRO to_iso8601(t) AS strftime(CAST(t AS TIMESTAMP), \'%Y-%m-%dT%H:%M:%S.%gZ\')',
];

/** Presto's date_parse format specifiers → DuckDB strptime's. */
const formatSpecifiers: Record<string, string> = {
	'%i': '%M', '%s': '%S', '%T': '%H:%M:%S', '%h': '%I', '%r': '%I:%M:%S %p', '%c': '%m', '%e': '%d', '%k': '%H', '%l': '%I', '%v': '%V', '%x': '%G',
};

export function translateFormat(format: string): string {
	return format.replace(/%[a-zA-Z]/g, specifier => formatSpecifiers[specifier] ?? specifier);
}

/** Rewrite `date_parse(x, 'fmt')` as `strptime(x, 'fmt')` with the format translated. */
export function rewritePresto(sql: string): string {
	let out = '';
	let i = 0;
	while (i < sql.length) {
		const char = sql[i]!;
		if (char === '\'' || char === '"') {
			const end = skipQuoted(sql, i);
			out += sql.slice(i, end);
			i = end;
			continue;
		}

		const match = /^date_parse\s*\(/i.exec(sql.slice(i));
		const before = i === 0 ? ' ' : sql[i - 1]!;
		if (match && !/\w/.test(before)) {
			const open = i + match[0].length;
			const close = matchingParen(sql, open);
			const args = splitTopLevel(sql.slice(open, close));
			const format = args[1]?.trim();
			if (args.length === 2 && format && /^'([^']|'')*'$/.test(format)) {
				const literal = format.slice(1, -1).replaceAll('\'\'', '\'');
				out += `strptime(${rewritePresto(args[0]!)}, '${translateFormat(literal).replaceAll('\'', '\'\'')}')`;
				i = close + 1;
				continue;
			}
		}

		out += char;
		i++;
	}

	return out;
}

function skipQuoted(sql: string, start: number): number {
	const quote = sql[start];
	let i = start + 1;
	while (i < sql.length) {
		if (sql[i] === quote) {
			if (sql[i + 1] === quote) {
				i += 2;
				continue;
			}

			return i + 1;
		}

		i++;
	}

	return sql.length;
}

function matchingParen(sql: string, from: number): number {
	let depth = 1;
	let i = from;
	while (i < sql.length) {
		const char = sql[i]!;
		if (char === '\'' || char === '"') {
			i = skipQuoted(sql, i);
			continue;
		}

		if (char === '(') depth++;
		if (char === ')' && --depth === 0) return i;
		i++;
	}

	return sql.length;
}

function splitTopLevel(sql: string): string[] {
	const parts: string[] = [];
	let depth = 0;
	let start = 0;
	let i = 0;
	while (i < sql.length) {
		const char = sql[i]!;
		if (char === '\'' || char === '"') {
			i = skipQuoted(sql, i);
			continue;
		}

		if (char === '(') depth++;
		if (char === ')') depth--;
		if (char === ',' && depth === 0) {
			parts.push(sql.slice(start, i));
			start = i + 1;
		}

		i++;
	}

	parts.push(sql.slice(start));
	return parts;
}

/** A hint for the errors people meet when moving Athena filters around. */
export function filterHint(message: string, eventTimeFeature?: string): string | undefined {
	if (/timestamp|date|interval/i.test(message) && /varchar|VARCHAR|string/i.test(message)) {
		const name = eventTimeFeature ?? 'event_time';
		return `A String event time is varchar in Athena: compare it as a timestamp with from_iso8601_timestamp(${name}), e.g. WHERE from_iso8601_timestamp(${name}) >= current_date - interval '30' day.`;
	}

	if (/Referenced column|not found in FROM clause/i.test(message)) {
		return 'Check the feature names with `fs schema GROUP`; quote names with hyphens in double quotes.';
	}

	return undefined;
}
