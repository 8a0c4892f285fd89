/**
 * A large history written straight into a group's offline store as two
 * Parquet files of 24,000 rows over 8,000 identifiers (features id,
 * event_time, n, label, and x when asked): large enough to be snapshotted by
 * linking the files. The first file holds three versions of each identifier;
 * the second ties their latest event time (received before or after it: the
 * file names disagree with that order), adds later versions and delete
 * markers for some, and history older than all of them. `tail` adds a third
 * file (see there).
 */
import {mkdirSync} from 'node:fs';
import path from 'node:path';
import {loadDuckDB, sqlString} from '../../source/io/duckdb.js';

export const largeHistoryIds = 8000;

export async function writeLargeHistory(dir: string, options: {fractional?: boolean; tail?: boolean} = {}) {
	const ids = largeHistoryIds;
	const {DuckDBInstance} = await loadDuckDB();
	const connection = await (await DuckDBInstance.create(':memory:')).connect();
	const hour = path.join(dir, 'year=2024', 'month=01', 'day=01', 'hour=00');
	mkdirSync(hour, {recursive: true});
	const id = `'r' || lpad(CAST(i % ${ids} AS VARCHAR), 5, '0')`;
	const at = (seconds: string) => `strftime(TIMESTAMP '2024-01-01 00:00:00' + to_seconds(${seconds}), '%Y-%m-%dT%H:%M:%SZ')`;
	const row = (event: string, received: string, deleted: string, label: string) => `SELECT ${id} AS id, ${at(event)} AS event_time,
		CASE WHEN ${deleted} THEN NULL ELSE i * 7 END AS n, ${options.fractional ? `CASE WHEN ${deleted} THEN NULL ELSE i / 8.0 END AS x,` : ''}
		CASE WHEN ${deleted} THEN NULL ELSE ${label} END AS label,
		TIMESTAMP '2024-01-02 00:00:00' + to_seconds(${received}) AS write_time, TIMESTAMP '2024-01-02 00:00:00' + to_seconds(${received}) AS api_invocation_time,
		${deleted} AS is_deleted FROM range(24000) t(i)`;
	await connection.run(`COPY (${row(`i // ${ids} * 10`, '5', 'false', `'a-' || i`)}) TO ${sqlString(path.join(hour, '20240102T000000Z_aaaa.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 10000)`);
	const event = `CASE WHEN i < ${ids} THEN 20 WHEN i < ${2 * ids} AND i % 3 = 0 THEN 30 WHEN i < ${2 * ids} THEN 15 ELSE 5 END`;
	const received = `CASE WHEN i % ${ids} < ${ids / 2} THEN 1 ELSE 9 END`;
	await connection.run(`COPY (${row(event, received, `i >= ${ids} AND i < ${2 * ids} AND i % 5 = 0`, `'b-' || i`)}) TO ${sqlString(path.join(hour, '20240102T000000Z_bbbb.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 7000)`);
	if (options.tail) {
		// A third file of 60,000 rows, more than one load's range: old history,
		// and exact copies (event, API and write time) of some winners of the
		// first file, which the first file's place wins.
		const copy = `i < ${ids} AND i % ${ids} >= ${ids / 2} AND i % 3 = 2`;
		const rows = row(`CASE WHEN ${copy} THEN 20 ELSE 1 END`, '5', 'false', `CASE WHEN ${copy} THEN 'c-copy-' ELSE 'c-' END || i`).replace('range(24000)', 'range(60000)');
		await connection.run(`COPY (${rows}) TO ${sqlString(path.join(hour, '20240102T000000Z_cccc.parquet'))} (FORMAT parquet, ROW_GROUP_SIZE 10000)`);
	}

	connection.closeSync();
}
