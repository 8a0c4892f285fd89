/**
 * Athena's SQL (Trino's dialect) run by DuckDB: the emulator's Athena and the
 * embedded store's filters (`--where`, `--filter-query`) both go through
 * here, so a query or a filter means the same on both stores. What is
 * covered, and how, is listed in docs/trino.md.
 *
 * The text is parsed by DuckDB's own parser (json_serialize_sql), the syntax
 * tree rewritten bottom-up — Trino functions DuckDB lacks or runs otherwise
 * become DuckDB expressions, unaliased select items are named `_colN` as
 * Trino names them — and turned back into SQL (json_deserialize_sql). A
 * function whose DuckDB namesake answers differently and that is not
 * translated is refused (TrinoUnsupported), never run as DuckDB reads it.
 * Integer division is a setting of the DuckDB that runs the result
 * (trinoSettings).
 */
import type {DuckDBConnection} from '@duckdb/node-api';
import {quotedEnd} from '../../core/filter.js';

type Json = null | boolean | number | string | Json[] | {[key: string]: Json};
type Node = {[key: string]: Json};

/** Why a statement or function is outside what this layer runs (Athena's error name, and the detail). */
export class TrinoUnsupported extends Error {
	constructor(readonly errorName: 'NOT_SUPPORTED' | 'FUNCTION_NOT_FOUND' | 'SYNTAX_ERROR', readonly detail: string) {
		super(`${errorName}: ${detail}`);
	}
}

/** Settings of a DuckDB that runs translated SQL: `/` of two integers is integer division (truncated), as in Trino. */
export const trinoSettings = ['SET GLOBAL integer_division = true'];

/** Run once per DuckDB, after `SET TimeZone='UTC'`: Trino functions written as DuckDB macros. */
export const trinoMacros = [
	'CREATE OR REPLACE MACRO from_iso8601_timestamp(s) AS CAST(s AS TIMESTAMPTZ)',
	'CREATE OR REPLACE MACRO from_iso8601_date(s) AS CAST(s AS DATE)',
	'CREATE OR REPLACE MACRO from_unixtime(x) AS to_timestamp(x)',
	'CREATE OR REPLACE MACRO to_unixtime(t) AS epoch(t)',
	'CREATE OR REPLACE MACRO to_iso8601(t) AS strftime(CAST(t AS TIMESTAMP), \'%Y-%m-%dT%H:%M:%S.%gZ\')',
];

/** MySQL-style specifiers (date_format, date_parse) → DuckDB strftime/strptime's. */
const mysqlSpecifiers: Record<string, string> = {
	'%i': '%M', '%s': '%S', '%T': '%H:%M:%S', '%h': '%I', '%r': '%I:%M:%S %p', '%c': '%-m', '%e': '%-d', '%k': '%-H', '%l': '%-I', '%v': '%V', '%x': '%G',
	'%f': '%f', '%W': '%A', '%a': '%a', '%b': '%b', '%M': '%B', '%Y': '%Y', '%y': '%y', '%m': '%m', '%d': '%d', '%H': '%H', '%I': '%I', '%p': '%p', '%j': '%j', '%S': '%S', '%%': '%%',
};

export function translateFormat(format: string): string {
	return format.replace(/%[a-zA-Z%]/g, specifier => {
		const duck = mysqlSpecifiers[specifier];
		if (!duck) throw new TrinoUnsupported('NOT_SUPPORTED', `The format specifier ${specifier} is not supported`);
		return duck;
	});
}

/** Joda-Time patterns (format_datetime, parse_datetime) → DuckDB strftime's: runs of the same letter. */
const jodaRuns: Record<string, string> = {
	yyyy: '%Y', yy: '%y', MMMM: '%B', MMM: '%b', MM: '%m', M: '%-m', dd: '%d', d: '%-d', HH: '%H', H: '%-H', hh: '%I', h: '%-I',
	mm: '%M', m: '%-M', ss: '%S', s: '%-S', SSS: '%g', SSSSSS: '%f', a: '%p', EEEE: '%A', EEE: '%a', E: '%a', DDD: '%j', Z: '%z', ZZ: '%z',
};

export function translateJoda(pattern: string): string {
	let out = '';
	let i = 0;
	while (i < pattern.length) {
		const char = pattern[i]!;
		if (char === '\'') {
			const end = pattern.indexOf('\'', i + 1);
			const literal = end < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, end);
			out += literal === '' ? '\'' : literal.replaceAll('%', '%%');
			i = end < 0 ? pattern.length : end + 1;
			continue;
		}

		if (/[a-zA-Z]/.test(char)) {
			let end = i;
			while (pattern[end] === char) end++;
			const run = pattern.slice(i, end);
			const duck = jodaRuns[run];
			if (!duck) throw new TrinoUnsupported('NOT_SUPPORTED', `The datetime pattern letter run ${run} is not supported`);
			out += duck;
			i = end;
			continue;
		}

		out += char === '%' ? '%%' : char;
		i++;
	}

	return out;
}

/**
 * Trino functions rewritten, by lowercase name: each takes the (translated)
 * arguments and gives a DuckDB expression as SQL text over `$1`, `$2`, …
 * (parsed once, the arguments' trees put in), or a tree.
 */
type Rewrite = (args: Node[]) => string;

const list = (count: number, from = 1) => Array.from({length: count}, (_, index) => `$${index + from}`);

/** A constant's text, for arguments that must be literals (formats, units). */
function literal(node: Node | undefined, what: string): string {
	const constant = node?.['class'] === 'CONSTANT' ? node['value'] as Node : undefined;
	const value = constant && (constant['type'] as Node)['id'] === 'VARCHAR' ? constant['value'] : undefined;
	if (typeof value !== 'string') throw new TrinoUnsupported('NOT_SUPPORTED', `${what} must be a string literal here`);
	return value;
}

/** A NULL literal (typed varchar where Trino would take it as one: DuckDB calls it an integer). */
const isNull = (node: Node) => node['class'] === 'CONSTANT' && (node['value'] as Node)['is_null'] === true;

const sqlText = (text: string) => `'${text.replaceAll('\'', '\'\'')}'`;

const units = new Set(['millisecond', 'second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year']);
function unitOf(node: Node | undefined): string {
	const unit = literal(node, 'The unit').toLowerCase();
	if (!units.has(unit)) throw new TrinoUnsupported('NOT_SUPPORTED', `Unit '${unit}' is not supported`);
	return unit;
}

/** An interval of `count` (SQL) `unit`s, as DuckDB builds it. */
const interval = (unit: string, count: string) => (unit === 'quarter' ? `to_months(CAST(${count} AS INTEGER) * 3)` : `to_${unit}s(CAST(${count} AS ${unit === 'millisecond' ? 'BIGINT' : 'INTEGER'}))`);

const rewrites: Record<string, Rewrite> = {
	// NULL in, NULL out (DuckDB's concat skips NULLs; its || does not).
	// A NULL literal makes it NULL outright, typed varchar (DuckDB would fold it to an integer NULL).
	concat: args => (args.some(isNull) ? 'CAST(NULL AS VARCHAR)' : list(args.length).join(' || ')),
	greatest: args => `CASE WHEN ${list(args.length).map(arg => `${arg} IS NULL`).join(' OR ')} THEN NULL ELSE greatest(${list(args.length).join(', ')}) END`,
	least: args => `CASE WHEN ${list(args.length).map(arg => `${arg} IS NULL`).join(' OR ')} THEN NULL ELSE least(${list(args.length).join(', ')}) END`,
	regexp_like: () => 'regexp_matches($1, $2)',
	// No match: NULL (DuckDB gives '').
	regexp_extract: args => `CASE WHEN regexp_matches($1, $2) THEN regexp_extract(${list(args.length).join(', ')}) END`,
	regexp_extract_all: args => `regexp_extract_all(${list(args.length).join(', ')})`,
	// Every match, $1 in the replacement (DuckDB: the first match, \1).
	regexp_replace: args => {
		if (args.length === 2) return 'regexp_replace($1, $2, \'\', \'g\')';
		const replacement = literal(args[2], 'The replacement').replace(/\\(.)|\$(\d)/g, (_, escaped: string | undefined, group: string | undefined) => (group ? `\\${group}` : escaped!));
		return `regexp_replace($1, $2, ${sqlText(replacement)}, 'g')`;
	},
	regexp_count: () => 'len(regexp_extract_all($1, $2))',
	json_extract_scalar: () => 'CASE WHEN json_type($1, $2) IN (\'OBJECT\', \'ARRAY\') THEN NULL ELSE json_extract_string($1, $2) END',
	json_parse: () => 'json($1)',
	json_format: () => 'CAST($1 AS VARCHAR)',
	json_array_get: () => 'json_extract($1, \'$[\' || CAST($2 AS VARCHAR) || \']\')',
	element_at: () => '$1[$2]',
	cardinality: () => 'len($1)',
	array_join: args => (args.length === 2 ? 'array_to_string($1, $2)' : 'array_to_string(list_transform($1, __x -> coalesce(CAST(__x AS VARCHAR), $3)), $2)'),
	array_max: () => 'list_max($1)',
	array_min: () => 'list_min($1)',
	array_sort: () => 'list_sort($1)',
	array_position: () => 'list_position($1, $2)',
	contains: () => 'list_contains($1, $2)',
	sequence: args => (args.length === 2 ? 'generate_series($1, $2)' : 'generate_series($1, $2, $3)'),
	split: () => 'string_split($1, $2)',
	// Exact: within Athena's documented standard error (2.3%), and what it answers for small sets.
	approx_distinct: () => 'count(DISTINCT $1)',
	arbitrary: () => 'any_value($1)',
	count_if: () => 'CAST(count_if($1) AS BIGINT)',
	current_timezone: () => '\'UTC\'',
	date_diff: args => `date_sub(${sqlText(unitOf(args[0]))}, $2, $3)`,
	date_add: args => `$3 + ${interval(unitOf(args[0]), '$2')}`,
	date_format: args => `strftime($1, ${sqlText(translateFormat(literal(args[1], 'The format')))})`,
	date_parse: args => `strptime($1, ${sqlText(translateFormat(literal(args[1], 'The format')))})`,
	format_datetime: args => `strftime($1, ${sqlText(translateJoda(literal(args[1], 'The pattern')))})`,
	parse_datetime: args => `strptime($1, ${sqlText(translateJoda(literal(args[1], 'The pattern')))})`,
	date: () => 'CAST($1 AS DATE)',
	day_of_week: () => 'isodow($1)',
	dow: () => 'isodow($1)',
	day_of_year: () => 'dayofyear($1)',
	doy: () => 'dayofyear($1)',
	day_of_month: () => 'day($1)',
	week_of_year: () => 'week($1)',
	year_of_week: () => 'isoyear($1)',
	yow: () => 'isoyear($1)',
	last_day_of_month: () => 'last_day($1)',
	truncate: () => 'trunc($1)',
	e: () => 'exp(1)',
	infinity: () => 'CAST(\'Infinity\' AS DOUBLE)',
	nan: () => 'CAST(\'NaN\' AS DOUBLE)',
	is_nan: () => 'isnan($1)',
	is_finite: () => 'isfinite($1)',
	is_infinite: () => 'isinf($1)',
	rand: () => 'random()',
	// Renamed before parsing (prepare): DuckDB's parser takes if() with three arguments only.
	__trino_if: args => (args.length === 2 ? 'CASE WHEN $1 THEN $2 END' : 'CASE WHEN $1 THEN $2 ELSE $3 END'),
	codepoint: () => 'unicode($1)',
	to_utf8: () => 'encode($1)',
	from_utf8: () => 'decode($1)',
	to_hex: () => 'upper(hex($1))',
	// varbinary in, varbinary out (DuckDB's md5 answers hex text).
	md5: () => 'unhex(md5($1))',
	// Bases 2 and 16 are what DuckDB's cast reads (0b…, 0x…); 10 is a plain cast.
	from_base: args => {
		const base = args[1]?.['class'] === 'CONSTANT' ? Number(/^\u0000fs-number:(\d+)$/.exec(String((args[1]['value'] as Node)['value']))?.[1]) : Number.NaN;
		if (base === 10) return 'CAST($1 AS BIGINT)';
		if (base === 16 || base === 2) return `CAST('0${base === 16 ? 'x' : 'b'}' || $1 AS BIGINT)`;
		throw new TrinoUnsupported('NOT_SUPPORTED', 'from_base is supported with a literal radix of 2, 10 or 16 here');
	},
	strrev: () => 'reverse($1)',
	levenshtein_distance: () => 'levenshtein($1, $2)',
	hamming_distance: () => 'hamming($1, $2)',
	index: () => 'strpos($1, $2)',
};

/**
 * DuckDB functions of a Trino function's name whose answers differ, with no
 * translation here: refused rather than run.
 */
const refused = new Set(['typeof', 'sha1', 'sha256', 'sha512', 'approx_percentile', 'array_distinct', 'format', 'histogram', 'map_agg', 'at_timezone', 'with_timezone', 'from_base64', 'to_base64', 'url_extract_host', 'word_stem', 'normalize']);

/** Functions whose result is a DATE, so date arithmetic on them stays a DATE (Trino) and not a TIMESTAMP (DuckDB). */
const dateFunctions = new Set(['current_date', 'last_day', 'from_iso8601_date']);
const dateUnits = new Set(['day', 'week', 'month', 'quarter', 'year']);

/** Whether a (translated) expression is statically a DATE. */
function isDate(node: Node): boolean {
	if (node['class'] === 'CAST') return (node['cast_type'] as Node)['id'] === 'DATE';
	if (node['class'] === 'FUNCTION') {
		const name = String(node['function_name']).toLowerCase();
		if (dateFunctions.has(name)) return true;
		// A date plus or minus whole days (DuckDB's own date + integer stays a date).
		if ((name === '+' || name === '-') && isDate(child(node, 0))) return true;
	}

	return false;
}

const child = (node: Node, index: number) => (node['children'] as Node[])[index]!;

/** Whether a translated expression is an interval of whole days or more (to_days, to_months, …). */
function isDateInterval(node: Node): boolean {
	if (node['class'] !== 'FUNCTION') return false;
	const name = String(node['function_name']).toLowerCase();
	if (name === '*') return isDateInterval(child(node, 0)) || isDateInterval(child(node, 1));
	return /^to_(days|weeks|months|years)$/.test(name);
}

/** Parsed templates, by text: json_serialize_sql once for each. */
const templates = new Map<string, Node>();

export class TrinoTranslator {
	constructor(private readonly connection: DuckDBConnection) {}

	/**
	 * A whole statement (the emulator's queries): one SELECT, WITH or VALUES
	 * query, in DuckDB's SQL.
	 */
	async statement(sql: string): Promise<string> {
		const tree = await this.parse(sql);
		if (tree['error'] === true) {
			if (tree['error_type'] === 'parser') throw new TrinoUnsupported('SYNTAX_ERROR', String(tree['error_message']));
			throw new TrinoUnsupported('NOT_SUPPORTED', 'Only SELECT queries are supported');
		}

		const statements = tree['statements'] as Node[];
		if (statements.length !== 1) throw new TrinoUnsupported('NOT_SUPPORTED', 'Only one statement is supported');
		const node = await this.walk(statements[0]!) as Node;
		return this.unparse({...tree, statements: [node]});
	}

	/**
	 * One condition (a filter): the expression in DuckDB's SQL. Anything that
	 * is not one expression (a filter closing a parenthesis, a second
	 * statement) is given back as it came: the filter's own check refuses it.
	 */
	async expression(sql: string): Promise<string> {
		const tree = await this.parse(`SELECT (${sql})`);
		const statement = (tree['statements'] as Node[] | undefined)?.[0]?.['node'] as Node | undefined;
		const items = statement?.['select_list'] as Node[] | undefined;
		const plain = tree['error'] !== true && (tree['statements'] as Node[]).length === 1 && statement?.['type'] === 'SELECT_NODE' && items?.length === 1
			&& (statement['from_table'] as Node)['type'] === 'EMPTY' && statement['where_clause'] === null && (statement['modifiers'] as Json[]).length === 0
			&& (statement['group_expressions'] as Json[]).length === 0 && statement['having'] === null && ((statement['cte_map'] as Node)['map'] as Json[]).length === 0;
		if (!plain) return sql;
		const translated = await this.walk(items[0]!, true) as Node;
		const text = await this.unparse({...tree, statements: [{...(tree['statements'] as Node[])[0]!, node: {...statement, select_list: [{...translated, alias: ''}]}}]});
		return text.replace(/^SELECT /, '');
	}

	private async parse(sql: string): Promise<Node> {
		// The text goes in as a parameter: pasted into the call, it could break out of it.
		const reader = await this.connection.runAndReadAll('SELECT json_serialize_sql(CAST($1 AS VARCHAR))', [prepare(sql)]);
		// Positions are dropped (deserializing needs none); numbers are kept as their text (encodeNumbers).
		return JSON.parse(encodeNumbers(String(reader.getRows()[0]![0]).replace(/"query_location":\d+,?/g, '').replace(/,}/g, '}'))) as Node;
	}

	private async unparse(tree: Node): Promise<string> {
		const reader = await this.connection.runAndReadAll('SELECT json_deserialize_sql(CAST($1 AS JSON))', [decodeNumbers(JSON.stringify(tree))]);
		return String(reader.getRows()[0]![0]);
	}

	/** The tree with its children translated first, then the node itself. */
	private async walk(value: Json, expressionOnly = false): Promise<Json> {
		if (value === null || typeof value !== 'object') return value;
		if (Array.isArray(value)) {
			const out: Json[] = [];
			for (const item of value) out.push(await this.walk(item, expressionOnly));
			return out;
		}

		const node: Node = {};
		for (const [key, item] of Object.entries(value)) node[key] = await this.walk(item, expressionOnly);
		if (node['type'] === 'SELECT_NODE' && !expressionOnly) nameColumns(node);
		if (node['class'] === 'FUNCTION') return this.function(node);
		// A double literal (5E0) would come back as text DuckDB reads as a DECIMAL.
		if (node['class'] === 'CONSTANT' && ((node['value'] as Node)['type'] as Node)['id'] === 'DOUBLE') return {...castTo({...node, alias: ''}, 'DOUBLE'), alias: node['alias']!};
		return node;
	}

	private async function(node: Node): Promise<Node> {
		const name = String(node['function_name']).toLowerCase();
		const args = node['children'] as Node[];
		// Operators (+, -, …) keep their symbols as names: only date arithmetic changes.
		if (node['is_operator'] === true || !/^[a-z_]\w*$/.test(name)) return dateArithmetic(node);
		if (node['schema'] !== '' || node['catalog'] !== '') return node;
		if (refused.has(name)) throw new TrinoUnsupported('NOT_SUPPORTED', `Function ${name} is not supported here: Athena's (Trino's) and DuckDB's differ, and fs does not translate it`);
		if (name === 'date_trunc' && args.length === 2 && isDate(args[1]!)) return {...castTo({...node, alias: ''}, 'DATE'), alias: node['alias']!};
		if (name === 'date_add' && args.length === 3) {
			const unit = unitOf(args[0]);
			const sum = await this.template(rewrites['date_add']!(args), args);
			return {...(isDate(args[2]!) && dateUnits.has(unit) ? castTo(sum, 'DATE') : sum), alias: node['alias']!};
		}

		const rewrite = Object.hasOwn(rewrites, name) ? rewrites[name] : undefined;
		if (!rewrite) return node;
		if (node['distinct'] === true || node['filter'] !== null || ((node['order_bys'] as Node)['orders'] as Json[]).length > 0) {
			if (name !== 'approx_distinct' && name !== 'arbitrary' && name !== 'count_if') return node;
		}

		const replaced = await this.template(rewrite(args), args);
		return {...replaced, alias: node['alias']!};
	}

	/** `text` (SQL over $1, $2, …) as a tree, with `args` in the places of $N. */
	private async template(text: string, args: Node[]): Promise<Node> {
		const key = text.replace(/\$(\d+)/g, '"__trino_arg_$1"');
		let tree = templates.get(key);
		if (!tree) {
			const parsed = await this.parse(`SELECT ${key}`);
			if (parsed['error'] === true) throw new Error(`Trino template does not parse: ${text}: ${String(parsed['error_message'])}`);
			tree = ((parsed['statements'] as Node[])[0]!['node'] as Node)['select_list'] as unknown as Node;
			templates.set(key, tree);
		}

		const fill = (value: Json): Json => {
			if (value === null || typeof value !== 'object') return value;
			if (Array.isArray(value)) return value.map(fill);
			const names = value['column_names'];
			if (value['class'] === 'COLUMN_REF' && Array.isArray(names) && names.length === 1 && /^__trino_arg_\d+$/.test(String(names[0]))) {
				const index = Number(String(names[0]).slice('__trino_arg_'.length)) - 1;
				const arg = args[index];
				if (!arg) throw new TrinoUnsupported('SYNTAX_ERROR', 'Too few arguments');
				return {...arg, alias: ''};
			}

			return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item)]));
		};

		return fill((tree as unknown as Node[])[0]!) as Node;
	}
}

/** Date ± whole days, weeks, months or years stays a DATE, as in Trino (DuckDB makes it a TIMESTAMP). */
function dateArithmetic(node: Node): Node {
	const name = String(node['function_name']);
	const args = node['children'] as Node[];
	if ((name === '+' || name === '-') && args.length === 2) {
		const [left, right] = args as [Node, Node];
		const dated = (isDate(left) && isDateInterval(right)) || (name === '+' && isDateInterval(left) && isDate(right));
		if (dated) return {...castTo({...node, alias: ''}, 'DATE'), alias: node['alias']!};
	}

	return node;
}

function castTo(node: Node, type: string): Node {
	return {class: 'CAST', type: 'OPERATOR_CAST', alias: '', child: node, cast_type: {id: type, type_info: null}, try_cast: false};
}

/**
 * Trino's names for select items without an alias: a column keeps its name,
 * anything else is `_colN` (N its 0-based place). DuckDB would name it after
 * its text (`count_star()`).
 */
function nameColumns(select: Node) {
	const items = select['select_list'] as Node[];
	items.forEach((item, index) => {
		if (item['alias'] !== '' || item['class'] === 'COLUMN_REF' || item['class'] === 'STAR') return;
		item['alias'] = `_col${index}`;
	});
}

/** Trino's text as DuckDB's parser takes it (the tree is translated after): VALUES rows in parentheses, if() under a name of its own. */
export function prepare(sql: string): string {
	return rewriteValues(sql).replace(/("(?:[^"]|"")*"|'(?:[^']|'')*'|--[^\n]*)|(?<![\w.])if(\s*\()/gi, (whole, skipped: string | undefined, paren: string | undefined) => (skipped ? whole : `"__trino_if"${paren!}`));
}

/** Marks JSON numbers so they keep their text through JSON.parse: 64-bit integers, 5.0 (not 5). */
const numberMark = '\u0000fs-number:';

function encodeNumbers(json: string): string {
	let out = '';
	let i = 0;
	while (i < json.length) {
		const char = json[i]!;
		if (char === '"') {
			let end = i + 1;
			while (end < json.length && json[end] !== '"') end += json[end] === '\\' ? 2 : 1;
			out += json.slice(i, end + 1);
			i = end + 1;
			continue;
		}

		const number = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(json.slice(i, i + 64));
		if (number) {
			out += JSON.stringify(numberMark + number[0]);
			i += number[0].length;
			continue;
		}

		out += char;
		i++;
	}

	return out;
}

function decodeNumbers(json: string): string {
	return json.replace(/"\\u0000fs-number:(-?[\d.eE+-]+)"/g, '$1');
}

/**
 * Trino's `VALUES 1, 2, 3` (rows of one column, no parentheses) as DuckDB
 * reads it: `VALUES (1), (2), (3)`. Quotes and comments are skipped.
 */
export function rewriteValues(sql: string): string {
	let out = '';
	let i = 0;
	while (i < sql.length) {
		const char = sql[i]!;
		if (char === '\'' || char === '"') {
			const end = quotedEnd(sql, i);
			out += sql.slice(i, end);
			i = end;
			continue;
		}

		if (sql.startsWith('--', i)) {
			const end = sql.indexOf('\n', i);
			out += sql.slice(i, end < 0 ? sql.length : end);
			i = end < 0 ? sql.length : end;
			continue;
		}

		const match = /^values\b/i.exec(sql.slice(i));
		if (match && (i === 0 || !/\w/.test(sql[i - 1]!))) {
			const start = i + match[0].length;
			const end = valuesEnd(sql, start);
			const rows = splitTopLevel(sql.slice(start, end));
			const bare = rows.some(row => !/^\s*\(/.test(row));
			out += match[0] + (bare ? rows.map(row => ` (${row.trim()})`).join(',') + ' ' : sql.slice(start, end));
			i = end;
			continue;
		}

		out += char;
		i++;
	}

	return out;
}

/** Where a VALUES list ends: a closing parenthesis of an enclosing level, a clause keyword, or the end. */
function valuesEnd(sql: string, from: number): number {
	let depth = 0;
	let i = from;
	while (i < sql.length) {
		const char = sql[i]!;
		if (char === '\'' || char === '"') {
			i = quotedEnd(sql, i);
			continue;
		}

		if (char === '(') depth++;
		if (char === ')') {
			if (depth === 0) return i;
			depth--;
		}

		if (depth === 0 && (char === ';' || /^\s(order|limit|offset|union|except|intersect)\b/i.test(sql.slice(i)))) return i;
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
			i = quotedEnd(sql, i);
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

/** What to do about a filter the engine refused on `group`: a hint for the errors people meet moving Athena filters around. */
export function filterHint(message: string, group: string, eventTimeFeature?: string): string {
	if (/timestamp|date|interval/i.test(message) && /varchar|VARCHAR|string/i.test(message)) {
		const name = eventTimeFeature ?? 'event_time';
		return `A String event time is varchar in Athena: compare it as a timestamp with from_iso8601_timestamp(${name}), e.g. WHERE from_iso8601_timestamp(${name}) >= current_date - interval '30' day.`;
	}

	if (/Referenced column|not found in FROM clause/i.test(message)) {
		return `Check the feature names with \`fs schema ${group}\`; quote names with hyphens in double quotes.`;
	}

	return `Check the WHERE clause against \`fs schema ${group}\`.`;
}
