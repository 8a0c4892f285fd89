/**
 * A user's filter (`--filter-query`, `--where`) checked by DuckDB's own
 * parser in the statement it is pasted into, before that statement runs. A
 * hand tokenizer cannot know every way DuckDB reads text (dollar-quoted and
 * escape strings, comments): a filter that fools it can close the query and
 * start another (COPY … TO, ATTACH), reach past its WHERE clause, or read
 * any file through a subquery. The parser cannot be fooled: the statement
 * must be one SELECT, ours around one expression, whose only data is the
 * group's own Parquet files. The DuckDB it runs in is locked to those files
 * besides (OfflineStore), should a way through this check turn up.
 */
import type {DuckDBConnection} from '@duckdb/node-api';
import {usageError} from '../../core/errors.js';
import type {FeatureGroup} from '../../core/types.js';

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
type Node = Record<string, Json>;

/**
 * What a query is built with in place of the filter to check it: the same
 * statement around one expression (checkFilterSql).
 */
export const filterPlaceholder = '"__fs_filter__"';

/**
 * Refuses `sql`, the statement holding the filter, unless it is exactly one
 * SELECT, the same as `reference` (the statement built around
 * filterPlaceholder) but for one expression in the placeholder's place, and
 * reads no other table, file or table function than `read_parquet` of
 * `glob` (the group's files; undefined: the group has none yet).
 */
export async function checkFilterSql(connection: DuckDBConnection, group: FeatureGroup, sql: string, reference: string, glob: string | undefined): Promise<void> {
	const name = group.FeatureGroupName;
	const example = `Write one condition on the group's features, e.g. WHERE ${group.RecordIdentifierFeatureName} IN ('a', 'b').`;
	const parsed = await syntaxTree(connection, sql);
	if (parsed['error'] === true) {
		// Only a SELECT serializes: anything else is a statement the filter started after ours.
		if (parsed['error_type'] !== 'parser') throw usageError(`The filter on ${name} holds another SQL statement: only one WHERE condition is allowed.`, example);
		throw usageError(`The query engine refused the filter on ${name}: Parser Error: ${String(parsed['error_message'])}`, `Check the WHERE clause against \`fs schema ${name}\`.`, 'InvalidRequestException');
	}

	const statements = parsed['statements'] as Node[];
	if (statements.length !== 1) throw usageError(`The filter on ${name} holds another SQL statement: only one WHERE condition is allowed.`, example);
	const around = (await syntaxTree(connection, reference))['statements'] as Node[];
	if (!sameAround(statements[0]!, around[0]!)) {
		throw usageError(`The filter on ${name} reaches past its condition: a parenthesis it closes or a comment changes the query around it.`, example);
	}

	// Only the filter's own expressions are the user's: what fs wraps around them may read more (the target's rows, say).
	for (const filter of filterSubtrees(statements[0]!, around[0]!)) {
		const found = outsideData(filter, glob);
		if (found) throw usageError(`The filter on ${name} reads ${found}: a filter may only test the group's own rows.`, example);
	}
}

/** The subtrees of `tree` in the placeholder's places in `reference` (sameAround holds). */
function filterSubtrees(tree: Json, reference: Json): Json[] {
	if (isPlaceholder(reference)) return [tree];
	if (reference === null || typeof reference !== 'object' || tree === null || typeof tree !== 'object') return [];
	if (Array.isArray(reference)) return Array.isArray(tree) ? reference.flatMap((item, index) => filterSubtrees(tree[index]!, item)) : [];
	if (Array.isArray(tree)) return [];
	return Object.keys(reference).filter(key => key !== 'query_location').flatMap(key => filterSubtrees(tree[key]!, reference[key]!));
}

/** DuckDB's syntax tree of `sql`, or its parser's error (json_serialize_sql). */
async function syntaxTree(connection: DuckDBConnection, sql: string): Promise<Node> {
	// The text goes in as a parameter: pasted into the check, it could break out of it as well.
	const reader = await connection.runAndReadAll('SELECT json_serialize_sql(CAST($1 AS VARCHAR))', [sql]);
	return JSON.parse(String(reader.getRows()[0]![0])) as Node;
}

const isPlaceholder = (node: Json) => node !== null && typeof node === 'object' && !Array.isArray(node)
	&& node['class'] === 'COLUMN_REF' && JSON.stringify(node['column_names']) === JSON.stringify([JSON.parse(filterPlaceholder) as string]);

/**
 * Whether `tree` is `reference` but for any one expression in the
 * placeholder's place (positions in the text aside).
 */
function sameAround(tree: Json, reference: Json): boolean {
	if (isPlaceholder(reference)) return tree !== null && typeof tree === 'object' && !Array.isArray(tree) && 'class' in tree;
	if (reference === null || typeof reference !== 'object') return tree === reference;
	if (Array.isArray(reference)) return Array.isArray(tree) && tree.length === reference.length && reference.every((item, index) => sameAround(tree[index]!, item));
	if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) return false;
	const keys = (node: Node) => Object.keys(node).filter(key => key !== 'query_location').sort();
	return JSON.stringify(keys(tree)) === JSON.stringify(keys(reference)) && keys(reference).every(key => sameAround(tree[key]!, reference[key]!));
}

/** What in the syntax tree reaches beyond the group's rows, in words; undefined if nothing does. */
function outsideData(tree: Json, glob: string | undefined): string | undefined {
	if (tree === null || typeof tree !== 'object') return undefined;
	if (Array.isArray(tree)) {
		for (const item of tree) {
			const found = outsideData(item, glob);
			if (found) return found;
		}

		return undefined;
	}

	// Query nodes (no `class`, unlike expressions): a plain SELECT only.
	const type = tree['type'];
	if (!('class' in tree) && typeof type === 'string' && type.endsWith('_NODE') && type !== 'SELECT_NODE') {
		return type === 'SET_OPERATION_NODE' ? `other rows through ${String(tree['setop_type'])}` : 'other rows through a WITH query';
	}

	const ctes = (tree['cte_map'] as Node | undefined)?.['map'];
	if (Array.isArray(ctes) && ctes.length > 0) return 'other rows through a WITH query';
	if ('from_table' in tree) {
		const found = otherRelation(tree['from_table'] as Node, glob);
		if (found) return found;
	}

	for (const value of Object.values(tree)) {
		const found = outsideData(value, glob);
		if (found) return found;
	}

	return undefined;
}

/** A FROM that is not a subquery, nothing, or the group's own files, in words. */
function otherRelation(from: Node, glob: string | undefined): string | undefined {
	switch (from['type']) {
		case 'SUBQUERY':
		case 'EMPTY': {
			return undefined;
		}

		case 'TABLE_FUNCTION': {
			const call = from['function'] as Node;
			const first = (call['children'] as Node[] | undefined)?.[0];
			const path = (first?.['value'] as Node | undefined)?.['value'];
			const own = call['function_name'] === 'read_parquet' && call['schema'] === '' && call['catalog'] === ''
				&& first?.['class'] === 'CONSTANT' && glob !== undefined && path === glob;
			return own ? undefined : `data through the table function ${String(call['function_name'])}`;
		}

		case 'BASE_TABLE': {
			// A path here is a file DuckDB would read in place (a replacement scan).
			const table = String(from['table_name']);
			return /[/\\.]/.test(table) ? `the file ${table}` : `the table ${table}`;
		}

		case 'JOIN': {
			return 'other rows through a join';
		}

		default: {
			return `other rows (${String(from['type']).toLowerCase().replaceAll('_', ' ')})`;
		}
	}
}
