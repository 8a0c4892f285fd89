/**
 * `--filter-query` / `--where`: one Athena WHERE clause and nothing else. It
 * is checked before anything runs: outside string literals and quoted names
 * there may be no `;`, no comment, no unbalanced parenthesis, no second
 * statement and no DDL/DML. This first look reads the text as Athena does,
 * for errors that name the mistake; DuckDB reads more (dollar-quoted and
 * escape strings), so the embedded store checks the statement again with
 * DuckDB's parser and runs it locked down (stores/local/offline-filter.ts).
 */
import {usageError} from './errors.js';

const forbidden = new Set([
	'insert', 'update', 'delete', 'drop', 'create', 'alter', 'truncate', 'merge', 'grant', 'revoke',
	'copy', 'attach', 'detach', 'install', 'load', 'pragma', 'set', 'call', 'export', 'import', 'unload',
	'vacuum', 'checkpoint', 'execute', 'prepare', 'deallocate', 'msck', 'describe', 'show', 'use', 'reset',
	'union', 'intersect', 'except', 'order', 'group', 'having', 'limit', 'offset', 'window', 'into',
]);

/** Table functions that would read other files than the group's own data. */
const fileFunctions = /^(read_\w+|glob|parquet_\w+|sniff_csv|query|query_table)$/;

const example = 'Write one condition, e.g. --filter-query "WHERE customer_id IN (\'c1\', \'c2\')".';

/**
 * The condition of a WHERE clause (the text after `WHERE`), checked.
 * Returns undefined for an empty filter.
 */
export function parseWhere(text: string | undefined, flag = '--filter-query'): string | undefined {
	if (text === undefined) return undefined;
	const trimmed = text.trim();
	if (trimmed === '') return undefined;
	const condition = trimmed.replace(/^where\b/i, '').trim();
	if (condition === '') throw usageError(`${flag} has WHERE but no condition.`, example);
	let depth = 0;
	for (const token of tokens(condition, flag)) {
		if (token === ';') {
			throw usageError(`${flag} contains ";": only one WHERE clause is allowed, not several statements.`, example);
		}

		if (token === '(') depth++;
		if (token === ')') {
			depth--;
			if (depth < 0) throw usageError(`${flag} closes a parenthesis it never opened.`, example);
		}

		const word = token.toLowerCase();
		if (forbidden.has(word)) {
			throw usageError(
				`${flag} contains ${token.toUpperCase()}: only a WHERE condition is allowed, not other clauses or statements.`,
				example,
			);
		}

		if (fileFunctions.test(word)) throw usageError(`${flag} calls ${token}, which reads other data than the feature group.`, example);
	}

	if (depth !== 0) throw usageError(`${flag} leaves ${depth} parenthesis open.`, example);
	return condition;
}

/**
 * The words and symbols of SQL text outside string literals, quoted
 * identifiers and numbers; literals are skipped whole.
 */
function * tokens(sql: string, flag: string): Generator<string> {
	let i = 0;
	while (i < sql.length) {
		const char = sql[i]!;
		if (char === '\'' || char === '"') {
			const end = closing(sql, i, char);
			if (end < 0) {
				throw usageError(`${flag} has an unterminated ${char === '\'' ? 'string literal' : 'quoted name'}.`, `Close it with ${char}; write ${char}${char} for a ${char} inside it.`);
			}

			i = end + 1;
			continue;
		}

		if ((char === '-' && sql[i + 1] === '-') || (char === '/' && sql[i + 1] === '*')) {
			throw usageError(`${flag} contains a comment.`, 'Remove the comment: the filter must be a single condition.');
		}

		if (/[A-Za-z_]/.test(char)) {
			let end = i + 1;
			while (end < sql.length && /\w/.test(sql[end]!)) end++;
			yield sql.slice(i, end);
			i = end;
			continue;
		}

		if (!/\s/.test(char)) yield char;
		i++;
	}
}

/** Just past the quoted text (quote doubled inside) starting at `start`; the end of `sql` if it is not closed. */
export function quotedEnd(sql: string, start: number): number {
	const end = closing(sql, start, sql[start]!);
	return end < 0 ? sql.length : end + 1;
}

function closing(sql: string, start: number, quote: string): number {
	let i = start + 1;
	while (i < sql.length) {
		if (sql[i] === quote) {
			if (sql[i + 1] === quote) {
				i += 2;
				continue;
			}

			return i;
		}

		i++;
	}

	return -1;
}
