/**
 * Athena (Trino) queries and the results Trino's documentation gives for
 * them (trino.io/docs/current/functions/…, and the SQL statement pages),
 * as GetQueryResults carries them: every value as text, NULL as no value.
 * `where`: a condition true exactly when the query answers so, for the
 * embedded store's filters (`--where`), which run through the same layer.
 */
export interface TrinoCase {
	sql: string;
	/** Result rows (null: NULL). */
	rows?: Array<Array<string | null>>;
	/** Column names, when the case is about them. */
	names?: string[];
	/** Athena's column types (ResultSetMetadata), when the case is about them. */
	types?: string[];
	/** The query fails with this Athena error name. */
	fails?: string;
	/** Where in Trino's documentation the result is given. */
	doc: string;
	where?: string;
}

const one = (value: string | null) => [[value]];

export const trinoCases: TrinoCase[] = [
	// Arithmetic: integer division truncates; % takes the dividend's sign.
	{sql: 'SELECT 5 / 2', rows: one('2'), types: ['integer'], doc: 'functions/math: Mathematical operators', where: '5 / 2 = 2'},
	{sql: 'SELECT -7 / 2', rows: one('-3'), doc: 'functions/math: Mathematical operators', where: '-7 / 2 = -3'},
	{sql: 'SELECT 5 % 3', rows: one('2'), doc: 'functions/math: Mathematical operators', where: '5 % 3 = 2'},
	{sql: 'SELECT -7 % 3', rows: one('-1'), doc: 'functions/math: Mathematical operators'},
	{sql: 'SELECT 5E0 / 2', rows: one('2.5'), types: ['double'], doc: 'functions/math: Mathematical operators', where: '5E0 / 2 = 2.5'},
	{sql: 'SELECT mod(10, 4)', rows: one('2'), doc: 'functions/math: mod'},
	{sql: 'SELECT abs(-3)', rows: one('3'), doc: 'functions/math: abs'},
	{sql: 'SELECT power(2, 10)', rows: one('1024.0'), types: ['double'], doc: 'functions/math: power'},
	{sql: 'SELECT sqrt(16)', rows: one('4.0'), doc: 'functions/math: sqrt'},
	{sql: 'SELECT round(2.5E0)', rows: one('3.0'), doc: 'functions/math: round'},
	{sql: 'SELECT ceil(1.2E0), floor(-1.2E0)', rows: [['2.0', '-2.0']], doc: 'functions/math: ceil, floor'},
	{sql: 'SELECT truncate(-1.7E0)', rows: one('-1.0'), doc: 'functions/math: truncate'},
	{sql: 'SELECT greatest(1, NULL, 3)', rows: one(null), doc: 'functions/comparison: greatest (NULL if any argument is NULL)', where: 'greatest(1, NULL, 3) IS NULL'},
	{sql: 'SELECT least(4, 2, 7)', rows: one('2'), doc: 'functions/comparison: least', where: 'least(4, 2, 7) = 2'},
	{sql: 'SELECT is_nan(nan())', rows: one('true'), doc: 'functions/math: is_nan, nan', where: 'is_nan(nan())'},
	{sql: 'SELECT is_infinite(infinity())', rows: one('true'), doc: 'functions/math: is_infinite, infinity'},

	// Strings: NULL in, NULL out.
	{sql: 'SELECT concat(\'a\', NULL)', rows: one(null), types: ['varchar'], doc: 'functions/string: concat', where: 'concat(\'a\', NULL) IS NULL'},
	{sql: 'SELECT concat(\'fea\', \'ture\', \'_\', \'store\')', rows: one('feature_store'), doc: 'functions/string: concat'},
	{sql: 'SELECT \'a\' || \'b\'', rows: one('ab'), doc: 'functions/string: ||'},
	{sql: 'SELECT length(\'héllo\')', rows: one('5'), types: ['bigint'], doc: 'functions/string: length', where: 'length(\'héllo\') = 5'},
	{sql: 'SELECT lower(\'ABC\'), upper(\'abc\')', rows: [['abc', 'ABC']], doc: 'functions/string: lower, upper'},
	{sql: 'SELECT substr(\'SageMaker\', 5)', rows: one('Maker'), doc: 'functions/string: substr', where: 'substr(\'SageMaker\', 5) = \'Maker\''},
	{sql: 'SELECT substr(\'SageMaker\', 1, 4)', rows: one('Sage'), doc: 'functions/string: substr'},
	{sql: 'SELECT strpos(\'feature\', \'ture\')', rows: one('4'), doc: 'functions/string: strpos', where: 'strpos(\'feature\', \'ture\') = 4'},
	{sql: 'SELECT replace(\'a-b-c\', \'-\', \'_\')', rows: one('a_b_c'), doc: 'functions/string: replace'},
	{sql: 'SELECT split_part(\'a,b,c\', \',\', 2)', rows: one('b'), doc: 'functions/string: split_part'},
	{sql: 'SELECT split(\'a,b,c\', \',\')', rows: one('[a, b, c]'), types: ['array'], doc: 'functions/string: split'},
	{sql: 'SELECT lpad(\'7\', 3, \'0\')', rows: one('007'), doc: 'functions/string: lpad'},
	{sql: 'SELECT trim(\'  x  \')', rows: one('x'), doc: 'functions/string: trim'},
	{sql: 'SELECT reverse(\'abc\')', rows: one('cba'), doc: 'functions/string: reverse'},
	{sql: 'SELECT starts_with(\'customer_1\', \'customer\')', rows: one('true'), doc: 'functions/string: starts_with', where: 'starts_with(\'customer_1\', \'customer\')'},
	{sql: 'SELECT concat_ws(\'-\', \'a\', NULL, \'b\')', rows: one('a-b'), doc: 'functions/string: concat_ws (NULL values are skipped)'},
	// RFC 1321's test vector; to_hex writes upper case.
	{sql: 'SELECT to_hex(md5(to_utf8(\'abc\')))', rows: one('900150983CD24FB0D6963F7D28E17F72'), doc: 'functions/binary: md5, to_hex', where: 'to_hex(md5(to_utf8(\'abc\'))) = \'900150983CD24FB0D6963F7D28E17F72\''},
	{sql: 'SELECT from_base(\'ff\', 16), from_base(\'101\', 2), from_base(\'42\', 10)', rows: [['255', '5', '42']], types: ['bigint', 'bigint', 'bigint'], doc: 'functions/conversion: from_base', where: 'from_base(\'B7064F73\', 16) = 3070644083'},
	{sql: 'SELECT codepoint(\'A\'), chr(65)', rows: [['65', 'A']], doc: 'functions/string: codepoint, chr'},

	// Regular expressions: Trino's examples.
	{sql: 'SELECT regexp_like(\'1a 2b 14m\', \'\\d+b\')', rows: one('true'), doc: 'functions/regexp: regexp_like', where: 'regexp_like(\'1a 2b 14m\', \'\\d+b\')'},
	{sql: 'SELECT regexp_extract(\'1a 2b 14m\', \'\\d+\')', rows: one('1'), doc: 'functions/regexp: regexp_extract', where: 'regexp_extract(\'1a 2b 14m\', \'\\d+\') = \'1\''},
	{sql: 'SELECT regexp_extract(\'1a 2b 14m\', \'(\\d+)([a-z]+)\', 2)', rows: one('a'), doc: 'functions/regexp: regexp_extract'},
	{sql: 'SELECT regexp_extract(\'abc\', \'\\d\')', rows: one(null), doc: 'functions/regexp: regexp_extract (no match: NULL)', where: 'regexp_extract(\'abc\', \'\\d\') IS NULL'},
	{sql: 'SELECT regexp_extract_all(\'1a 2b 14m\', \'\\d+\')', rows: one('[1, 2, 14]'), doc: 'functions/regexp: regexp_extract_all'},
	{sql: 'SELECT regexp_replace(\'1a 2b 14m\', \'\\d+[ab] \')', rows: one('14m'), doc: 'functions/regexp: regexp_replace', where: 'regexp_replace(\'1a 2b 14m\', \'\\d+[ab] \') = \'14m\''},
	{sql: 'SELECT regexp_replace(\'1a 2b 14m\', \'(\\d+)([ab]) \', \'3c$2 \')', rows: one('3ca 3cb 14m'), doc: 'functions/regexp: regexp_replace'},
	{sql: 'SELECT regexp_count(\'1a 2b 14m\', \'\\s*[a-z]+\\s*\')', rows: one('3'), doc: 'functions/regexp: regexp_count'},

	// Dates and times: date arithmetic stays a date; UTC.
	{sql: 'SELECT DATE \'2024-01-01\' + INTERVAL \'1\' DAY', rows: one('2024-01-02'), types: ['date'], doc: 'functions/datetime: Date and time operators', where: 'DATE \'2024-01-01\' + INTERVAL \'1\' DAY = DATE \'2024-01-02\''},
	{sql: 'SELECT DATE \'2024-01-31\' + INTERVAL \'1\' MONTH', rows: one('2024-02-29'), types: ['date'], doc: 'functions/datetime: Date and time operators'},
	{sql: 'SELECT DATE \'2024-03-05\' - INTERVAL \'1\' YEAR', rows: one('2023-03-05'), types: ['date'], doc: 'functions/datetime: Date and time operators'},
	{sql: 'SELECT TIMESTAMP \'2024-01-01 23:00:00\' + INTERVAL \'2\' HOUR', rows: one('2024-01-02 01:00:00.000'), types: ['timestamp'], doc: 'functions/datetime: Date and time operators'},
	{sql: 'SELECT date_add(\'day\', 3, DATE \'2024-01-30\')', rows: one('2024-02-02'), types: ['date'], doc: 'functions/datetime: date_add', where: 'date_add(\'day\', 3, DATE \'2024-01-30\') = DATE \'2024-02-02\''},
	{sql: 'SELECT date_add(\'hour\', 2, TIMESTAMP \'2024-01-01 23:00:00\')', rows: one('2024-01-02 01:00:00.000'), doc: 'functions/datetime: date_add'},
	{sql: 'SELECT date_diff(\'day\', TIMESTAMP \'2024-01-01 23:00:00\', TIMESTAMP \'2024-01-03 01:00:00\')', rows: one('1'), types: ['bigint'], doc: 'functions/datetime: date_diff (whole units)', where: 'date_diff(\'day\', TIMESTAMP \'2024-01-01 23:00:00\', TIMESTAMP \'2024-01-03 01:00:00\') = 1'},
	{sql: 'SELECT date_diff(\'hour\', TIMESTAMP \'2024-01-01 00:30:00\', TIMESTAMP \'2024-01-01 02:00:00\')', rows: one('1'), doc: 'functions/datetime: date_diff'},
	{sql: 'SELECT date_trunc(\'month\', DATE \'2024-03-15\')', rows: one('2024-03-01'), types: ['date'], doc: 'functions/datetime: date_trunc'},
	{sql: 'SELECT date_trunc(\'hour\', TIMESTAMP \'2024-03-15 10:42:07\')', rows: one('2024-03-15 10:00:00.000'), doc: 'functions/datetime: date_trunc'},
	{sql: 'SELECT date_format(TIMESTAMP \'2024-03-05 14:07:09\', \'%Y-%m-%d %H:%i:%s\')', rows: one('2024-03-05 14:07:09'), doc: 'functions/datetime: date_format (MySQL)', where: 'date_format(TIMESTAMP \'2024-03-05 14:07:09\', \'%Y-%m-%d %H:%i:%s\') = \'2024-03-05 14:07:09\''},
	{sql: 'SELECT date_parse(\'2024-03-05 14:07\', \'%Y-%m-%d %H:%i\')', rows: one('2024-03-05 14:07:00.000'), types: ['timestamp'], doc: 'functions/datetime: date_parse (MySQL)'},
	{sql: 'SELECT format_datetime(TIMESTAMP \'2024-03-05 14:07:09\', \'yyyy-MM-dd HH:mm\')', rows: one('2024-03-05 14:07'), doc: 'functions/datetime: format_datetime (Joda-Time)'},
	{sql: 'SELECT year(DATE \'2024-03-05\'), month(DATE \'2024-03-05\'), day(DATE \'2024-03-05\')', rows: [['2024', '3', '5']], doc: 'functions/datetime: year, month, day'},
	{sql: 'SELECT day_of_week(DATE \'2024-03-03\')', rows: one('7'), doc: 'functions/datetime: day_of_week (ISO: Monday 1, Sunday 7)', where: 'day_of_week(DATE \'2024-03-03\') = 7'},
	{sql: 'SELECT day_of_year(DATE \'2024-02-01\')', rows: one('32'), doc: 'functions/datetime: day_of_year'},
	{sql: 'SELECT to_unixtime(TIMESTAMP \'1970-01-01 00:01:00\')', rows: one('60.0'), types: ['double'], doc: 'functions/datetime: to_unixtime'},
	{sql: 'SELECT last_day_of_month(DATE \'2024-02-10\')', rows: one('2024-02-29'), doc: 'functions/datetime: last_day_of_month'},
	{sql: 'SELECT from_iso8601_date(\'2024-03-05\')', rows: one('2024-03-05'), types: ['date'], doc: 'functions/datetime: from_iso8601_date'},
	{sql: 'SELECT current_timezone()', rows: one('UTC'), doc: 'functions/datetime: current_timezone (Athena runs in UTC)', where: 'current_timezone() = \'UTC\''},

	// JSON.
	{sql: 'SELECT json_extract_scalar(\'{"a": {"b": 1}}\', \'$.a.b\')', rows: one('1'), doc: 'functions/json: json_extract_scalar', where: 'json_extract_scalar(\'{"a": {"b": 1}}\', \'$.a.b\') = \'1\''},
	{sql: 'SELECT json_extract_scalar(\'{"a": {"b": 1}}\', \'$.a\')', rows: one(null), doc: 'functions/json: json_extract_scalar (not a scalar: NULL)'},
	{sql: 'SELECT json_array_length(\'[1, 2, 3]\')', rows: one('3'), doc: 'functions/json: json_array_length'},

	// Arrays.
	{sql: 'SELECT cardinality(ARRAY[1, 2, 3])', rows: one('3'), types: ['bigint'], doc: 'functions/array: cardinality', where: 'cardinality(ARRAY[1, 2, 3]) = 3'},
	{sql: 'SELECT element_at(ARRAY[\'a\', \'b\', \'c\'], 2)', rows: one('b'), doc: 'functions/array: element_at'},
	{sql: 'SELECT element_at(ARRAY[\'a\', \'b\', \'c\'], -1)', rows: one('c'), doc: 'functions/array: element_at (negative: from the end)'},
	{sql: 'SELECT array_join(ARRAY[1, 2, 3], \',\')', rows: one('1,2,3'), doc: 'functions/array: array_join'},
	{sql: 'SELECT contains(ARRAY[1, 2], 2)', rows: one('true'), doc: 'functions/array: contains', where: 'contains(ARRAY[1, 2], 2)'},
	{sql: 'SELECT array_max(ARRAY[3, 9, 4])', rows: one('9'), doc: 'functions/array: array_max'},
	{sql: 'SELECT array_sort(ARRAY[3, 1, 2])', rows: one('[1, 2, 3]'), doc: 'functions/array: array_sort'},
	{sql: 'SELECT sequence(1, 4)', rows: one('[1, 2, 3, 4]'), doc: 'functions/array: sequence'},
	{sql: 'SELECT array_position(ARRAY[10, 20, 30], 20)', rows: one('2'), doc: 'functions/array: array_position'},

	// Aggregates, VALUES without parentheses, and the names of unaliased columns.
	{sql: 'SELECT count(*) FROM (VALUES 1, 2, 3) AS t(x)', rows: one('3'), names: ['_col0'], types: ['bigint'], doc: 'sql/values; sql/select: unnamed columns are _colN'},
	{sql: 'SELECT approx_distinct(x) FROM (VALUES 1, 2, 2, 3) AS t(x)', rows: one('3'), doc: 'functions/aggregate: approx_distinct'},
	{sql: 'SELECT count_if(x > 1) FROM (VALUES 1, 2, 3) AS t(x)', rows: one('2'), types: ['bigint'], doc: 'functions/aggregate: count_if'},
	{sql: 'SELECT max_by(k, v) FROM (VALUES (\'a\', 1), (\'b\', 3), (\'c\', 2)) AS t(k, v)', rows: one('b'), doc: 'functions/aggregate: max_by'},
	{sql: 'SELECT bool_and(x > 0), bool_or(x > 1) FROM (VALUES 1, 2) AS t(x)', rows: [['true', 'true']], doc: 'functions/aggregate: bool_and, bool_or'},
	{sql: 'SELECT sum(x) FROM (VALUES 1, 2, 3) AS t(x)', rows: one('6'), types: ['bigint'], doc: 'functions/aggregate: sum'},
	{sql: 'SELECT avg(x) FROM (VALUES 1, 2) AS t(x)', rows: one('1.5'), types: ['double'], doc: 'functions/aggregate: avg'},
	{sql: 'SELECT arbitrary(x) FROM (VALUES 7) AS t(x)', rows: one('7'), doc: 'functions/aggregate: arbitrary'},
	{sql: 'SELECT 1, 2 AS b', names: ['_col0', 'b'], rows: [['1', '2']], doc: 'sql/select'},
	{sql: 'SELECT x, x + 1 FROM (VALUES 1) AS t(x)', names: ['x', '_col1'], rows: [['1', '2']], doc: 'sql/select'},
	{sql: 'SELECT x FROM (VALUES 3, 1, 2) AS t(x) ORDER BY x DESC LIMIT 2', rows: [['3'], ['2']], doc: 'sql/values, sql/select: ORDER BY, LIMIT'},

	// Conditionals.
	{sql: 'SELECT if(1 > 2, \'yes\', \'no\')', rows: one('no'), doc: 'functions/conditional: if', where: 'if(1 > 2, false, true)'},
	{sql: 'SELECT if(1 > 2, \'yes\')', rows: one(null), doc: 'functions/conditional: if (no false value: NULL)'},
	{sql: 'SELECT coalesce(NULL, \'b\'), nullif(1, 1)', rows: [['b', null]], doc: 'functions/conditional: coalesce, nullif'},
	{sql: 'SELECT try(CAST(\'x\' AS integer))', rows: one(null), doc: 'functions/conditional: try', where: 'try(CAST(\'x\' AS integer)) IS NULL'},
	{sql: 'SELECT try_cast(\'12\' AS integer) + 1', rows: one('13'), doc: 'functions/conversion: try_cast'},

	// What is outside: Athena's own error, never another answer.
	{sql: 'SELECT typeof(1)', fails: 'NOT_SUPPORTED', doc: 'functions/conversion: typeof (not emulated)'},
	{sql: 'SELECT no_such_function(1)', fails: 'FUNCTION_NOT_FOUND', doc: 'Athena error names'},
	{sql: 'SELECT date_format(TIMESTAMP \'2024-03-05 14:07:09\', \'%X\')', fails: 'NOT_SUPPORTED', doc: 'functions/datetime: date_format (unsupported specifier)'},
	{sql: 'CREATE TABLE t AS SELECT 1', fails: 'NOT_SUPPORTED', doc: 'SELECT only'},
];
