/**
 * Why a query FAILED, in Athena's words: `ERROR_NAME: line L:C: message`,
 * the text a client finds in Status.StateChangeReason. DuckDB's errors are
 * renamed to the Trino error names people search for (TABLE_NOT_FOUND,
 * COLUMN_NOT_FOUND, SYNTAX_ERROR, TYPE_MISMATCH, …), DuckDB's own text kept
 * where it says more.
 */

export class QueryFailure extends Error {
	constructor(
		readonly errorName: string,
		readonly detail: string,
		/** Athena's ErrorCategory: 1 system, 2 user. */
		readonly category: 1 | 2 = 2,
		readonly position?: {line: number; column: number},
	) {
		super(`${errorName}: ${position ? `line ${position.line}:${position.column}: ` : ''}${detail}`);
	}
}

export function athenaFailure(error: unknown, sql: string, database: string): QueryFailure {
	if (error instanceof QueryFailure) return error;
	const text = error instanceof Error ? error.message : String(error);
	const first = text.split('\n')[0]!.replace(/^Failed to extract statements: /, '');
	const position = positionOf(text, sql);
	const table = /Table with name (.+?) does not exist/.exec(first);
	if (table) return new QueryFailure('TABLE_NOT_FOUND', `Table '${qualifiedName(sql, position, database) ?? `awsdatacatalog.${database}.${table[1]}`}' does not exist`, 2, position);
	const schema = /Schema with name (.+?) does not exist/.exec(first);
	if (schema) return new QueryFailure('SCHEMA_NOT_FOUND', `Schema '${schema[1]}' does not exist`, 2, position);
	const column = /Referenced column "?(.+?)"? not found/.exec(first);
	if (column) return new QueryFailure('COLUMN_NOT_FOUND', `Column '${column[1]}' cannot be resolved or requester is not authorized to access requested resources`, 2, position);
	const fn = /(?:Scalar|Aggregate|Table) Function with name (.+?) does not exist/.exec(first);
	if (fn) return new QueryFailure('FUNCTION_NOT_FOUND', `Function '${fn[1]}' not registered`, 2, position);
	if (/^INTERRUPT/i.test(first)) return new QueryFailure('USER_CANCELLED', 'Query was cancelled by user', 2);
	const detail = first.replace(/^[\w ]+ Error: /, '');
	if (/^Parser Error/.test(first)) return new QueryFailure('SYNTAX_ERROR', detail, 2, position);
	if (/^Binder Error/.test(first)) return new QueryFailure('TYPE_MISMATCH', detail, 2, position);
	if (/^(Conversion|Invalid Input|Out of Range) Error/.test(first)) return new QueryFailure('INVALID_CAST_ARGUMENT', detail, 2, position);
	if (/^(Permission|IO) Error/.test(first)) return new QueryFailure('PERMISSION_DENIED', detail, 2, position);
	return new QueryFailure('GENERIC_INTERNAL_ERROR', detail, 1, position);
}

/**
 * DuckDB marks the spot as `LINE n: <snippet>` over a caret line; the snippet
 * may be a window of a long line (starting with "..."), so the column is
 * found by locating the snippet in the query's line.
 */
function positionOf(message: string, sql: string): {line: number; column: number} | undefined {
	const match = /\nLINE (\d+): (.*)\n( *)\^/.exec(message);
	if (!match) return undefined;
	const line = Number(match[1]);
	const prefix = `LINE ${match[1]}: `.length;
	const caret = match[3]!.length - prefix;
	const lines = sql.trim().replace(/;\s*$/, '').split('\n');
	const source = lines[line - 1];
	if (source === undefined) return undefined;
	const snippet = match[2]!.startsWith('...') ? match[2]!.slice(3) : match[2]!;
	const shift = match[2]!.startsWith('...') ? 3 : 0;
	const at = source.indexOf(snippet.replace(/\.\.\.$/, ''));
	return {line, column: (at < 0 ? 0 : at) + caret - shift + 1};
}

/** The table reference at the error position, as Athena names it: catalog.schema.table. */
function qualifiedName(sql: string, position: {line: number; column: number} | undefined, database: string): string | undefined {
	if (!position) return undefined;
	const source = sql.trim().split('\n')[position.line - 1] ?? '';
	const part = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)`;
	const match = new RegExp(String.raw`^${part}(?:\s*\.\s*${part})*`).exec(source.slice(position.column - 1));
	if (!match) return undefined;
	const parts = [...match[0].matchAll(new RegExp(part, 'g'))].map(item => item[0].replace(/^"|"$/g, '').replaceAll('""', '"').toLowerCase());
	if (parts.length === 1) return `awsdatacatalog.${database}.${parts[0]}`;
	if (parts.length === 2) return `awsdatacatalog.${parts[0]}.${parts[1]}`;
	return parts.join('.');
}
