/**
 * Athena's engine, emulated with DuckDB over the local offline store. Each
 * feature group's Glue table (`DataCatalogConfig`) is a view in a DuckDB
 * catalog named `awsdatacatalog`, schema = Glue database, so queries run as
 * written: `"db"."table"`, `awsdatacatalog.db.table` or a bare table name in
 * the context's database (identifiers are case-insensitive in both engines).
 * DuckDB may only read the store's S3 directory: a query cannot reach other
 * files through read_csv and friends, nor change that setting.
 */
import {mkdirSync, statSync} from 'node:fs';
import path from 'node:path';
import type {DuckDBConnection, DuckDBInstance} from '@duckdb/node-api';
import {duckdbInstance, duckType, sqlName, sqlString} from '../io/duckdb.js';
import {hasOfflineStore, type FeatureGroup} from '../core/types.js';
import type {LocalStore} from '../stores/local/index.js';
import {prepare, TrinoTranslator, TrinoUnsupported, trinoMacros, trinoSettings} from '../stores/local/trino.js';
import {athenaColumn, formatValue, type AthenaColumn} from './athena-values.js';
import {athenaFailure, QueryFailure} from './athena-errors.js';
import {catalogDatabases, catalogTables, glueColumns, hivePattern} from './catalog.js';
import {AthenaWrites, parseWriteStatement, stagingDir} from './athena-writes.js';

export interface QueryRun {
	sql: string;
	catalog: string;
	database: string;
	/** Called before the query runs, with a way to stop it. */
	onStart(interrupt: () => void): void;
	/** Whether the query was stopped before it got going. */
	cancelled(): boolean;
	/** Rows as Athena's text, header first, in order. */
	write(row: Array<string | null>): Promise<void>;
	/** The query execution's id: names the files an UNLOAD or INSERT writes. */
	id?: string;
}

export interface QueryOutcome {
	columns: AthenaColumn[];
	rows: number;
	scannedBytes: number;
}

export class AthenaEngine {
	private instance?: Promise<DuckDBInstance>;
	/** Current view definitions, so a view is replaced only when it changes. */
	private readonly views = new Map<string, string>();
	private viewsReady: Promise<unknown> = Promise.resolve();

	constructor(private readonly store: LocalStore) {}

	private async connect(): Promise<DuckDBConnection> {
		if (!this.instance) {
			const temporary = path.join(this.store.dir, 'tmp', 'athena-duckdb');
			mkdirSync(temporary, {recursive: true});
			mkdirSync(stagingDir(this.store), {recursive: true});
			this.instance = duckdbInstance({threads: '2', memory_limit: '512MB', temp_directory: temporary}, [
				'SET GLOBAL TimeZone = \'UTC\'',
				'ATTACH \':memory:\' AS awsdatacatalog',
				'USE awsdatacatalog',
				...trinoSettings,
				...trinoMacros,
				'CREATE SCHEMA IF NOT EXISTS "default"',
			], [path.join(this.store.dir, 's3'), stagingDir(this.store)]);
		}

		return (await this.instance).connect();
	}

	async run(query: QueryRun): Promise<QueryOutcome> {
		if (query.catalog.toLowerCase() !== 'awsdatacatalog') {
			throw new QueryFailure('CATALOG_NOT_FOUND', `Catalog '${query.catalog}' does not exist`);
		}

		// Rows staged in the store land in Parquet first, as they would have in S3 by now.
		const unflushed = await this.store.flushAll();
		const groups = (await this.store.listFeatureGroups()).filter(group => hasOfflineStore(group) && group.OfflineStoreConfig?.DataCatalogConfig);
		// A table whose rows could not land would answer without them: a query naming it fails, saying why; the others run.
		for (const group of groups) {
			const error = unflushed.get(group.FeatureGroupName);
			if (error && names(query.sql, group)) {
				const remedy = (error as {remedy?: string}).remedy;
				throw new QueryFailure('GENERIC_INTERNAL_ERROR', `${error.message}${remedy ? ` ${remedy}` : ''}`, 1);
			}
		}

		const connection = await this.connect();
		try {
			await this.refreshViews(connection, groups);
			const database = query.database.toLowerCase();
			const schemas = new Set(['default', ...groups.map(group => group.OfflineStoreConfig!.DataCatalogConfig!.Database.toLowerCase())]);
			if (!schemas.has(database)) throw new QueryFailure('SCHEMA_NOT_FOUND', `Schema '${database}' does not exist`);
			await connection.run(`USE awsdatacatalog.${sqlName(database)}`);
			// UNLOAD, INSERT INTO, DELETE FROM (athena-writes.ts): no rows to answer.
			const write = parseWriteStatement(query.sql.trim().replace(/;\s*$/, ''));
			if (write) {
				query.onStart(() => connection.interrupt());
				if (query.cancelled()) throw new QueryFailure('USER_CANCELLED', 'Query was cancelled by user');
				try {
					await new AthenaWrites(this.store, connection).run(write, database, query.id ?? `q${Date.now()}`);
				} catch (error) {
					throw athenaFailure(error, query.sql, database);
				}

				return {columns: [], rows: 0, scannedBytes: scanned(this.store, groups, query.sql)};
			}

			const sql = await this.checkedSql(connection, query.sql, database);
			query.onStart(() => connection.interrupt());
			if (query.cancelled()) throw new QueryFailure('USER_CANCELLED', 'Query was cancelled by user');
			try {
				const result = await connection.stream(sql);
				const names = result.columnNames();
				const types = result.columnTypes();
				await query.write(names);
				let rows = 0;
				for (;;) {
					const chunk = await result.fetchChunk();
					if (!chunk || chunk.rowCount === 0) break;
					const columns = chunk.getColumns();
					for (let row = 0; row < chunk.rowCount; row++) {
						await query.write(columns.map((column, index) => formatValue(column[row]!, types[index]!)));
					}

					rows += chunk.rowCount;
				}

				return {columns: names.map((name, index) => athenaColumn(name, types[index]!)), rows, scannedBytes: scanned(this.store, groups, query.sql)};
			} catch (error) {
				throw athenaFailure(error, query.sql, database);
			}
		} finally {
			connection.closeSync();
		}
	}

	/**
	 * One SELECT statement in DuckDB's SQL: Trino's dialect translated
	 * (stores/local/trino.ts), SHOW and DESCRIBE answered from the catalog.
	 */
	private async checkedSql(connection: DuckDBConnection, text: string, database: string): Promise<string> {
		const sql = text.trim().replace(/;\s*$/, '');
		const catalog = await catalogSql(this.store, sql, database);
		if (catalog) return catalog;
		const statements = await connection.extractStatements(prepare(sql)).catch(error => {
			throw athenaFailure(error, sql, '');
		});
		if (statements.count !== 1) throw new QueryFailure('SYNTAX_ERROR', 'Only one statement is supported');
		const first = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/|\()*(\w+)/.exec(sql)?.[1]?.toLowerCase();
		if (first !== 'select' && first !== 'with' && first !== 'values') {
			throw new QueryFailure('NOT_SUPPORTED', `The fs emulator runs SELECT queries only, not ${first?.toUpperCase() ?? 'this statement'}`);
		}

		try {
			return await new TrinoTranslator(connection).statement(sql);
		} catch (error) {
			if (error instanceof TrinoUnsupported) throw new QueryFailure(error.errorName, error.detail);
			throw athenaFailure(error, sql, database);
		}
	}

	/** Every offline store's Glue table as a view over its Parquet files (or an empty typed relation). */
	private async refreshViews(connection: DuckDBConnection, groups: FeatureGroup[]) {
		const refresh = this.viewsReady.then(async () => {
			for (const group of groups) {
				const {Database, TableName} = group.OfflineStoreConfig!.DataCatalogConfig!;
				const view = `awsdatacatalog.${sqlName(Database.toLowerCase())}.${sqlName(TableName.toLowerCase())}`;
				const definition = viewSql(this.store, group);
				if (this.views.get(view) === definition) continue;
				await connection.run(`CREATE SCHEMA IF NOT EXISTS awsdatacatalog.${sqlName(Database.toLowerCase())}`);
				await connection.run(`CREATE OR REPLACE VIEW ${view} AS ${definition}`);
				this.views.set(view, definition);
			}
		});
		this.viewsReady = refresh.catch(() => undefined);
		await refresh;
	}

	async close(): Promise<void> {
		const instance = this.instance;
		this.instance = undefined;
		if (instance) (await instance.catch(() => undefined))?.closeSync();
	}
}

/**
 * The Glue table's columns: the features, then write_time,
 * api_invocation_time and is_deleted, as the local store writes its Parquet.
 */
function viewSql(store: LocalStore, group: FeatureGroup): string {
	const {dir, files} = store.offlineFiles(group.FeatureGroupName);
	if (files.length > 0) return `SELECT * FROM read_parquet(${sqlString(path.join(dir, '**', '*.parquet'))}, hive_partitioning = false, union_by_name = true)`;
	const columns = [
		...group.FeatureDefinitions.map(feature => `CAST(NULL AS ${duckType(feature)}) AS ${sqlName(feature.FeatureName)}`),
		'CAST(NULL AS TIMESTAMP) AS write_time', 'CAST(NULL AS TIMESTAMP) AS api_invocation_time', 'CAST(NULL AS BOOLEAN) AS is_deleted',
	];
	return `SELECT ${columns.join(', ')} WHERE false`;
}

/** Whether a query names the group's table (a plain search of its text). */
const names = (sql: string, group: FeatureGroup) => sql.toLowerCase().includes(group.OfflineStoreConfig!.DataCatalogConfig!.TableName.toLowerCase());

/** DataScannedInBytes: the files of the tables the query names (Athena reads less, with pruning). */
function scanned(store: LocalStore, groups: FeatureGroup[], sql: string): number {
	let bytes = 0;
	for (const group of groups) {
		if (!names(sql, group)) continue;
		const {dir, files} = store.offlineFiles(group.FeatureGroupName);
		for (const file of files) bytes += statSync(path.join(dir, file), {throwIfNoEntry: false})?.size ?? 0;
	}

	return bytes;
}

/**
 * SHOW TABLES, SHOW DATABASES (SCHEMAS), SHOW COLUMNS and DESCRIBE, as
 * Athena answers them, from the catalog Glue shows (catalog.ts): one row per
 * table (`tab_name`), database (`database_name`) or column (`field`;
 * DESCRIBE: `col_name`, `data_type` in Glue's names, `comment`). Undefined:
 * not such a statement.
 */
async function catalogSql(store: LocalStore, sql: string, database: string): Promise<string | undefined> {
	const name = String.raw`("(?:[^"]|"")+"|\w+)`;
	const unquote = (text: string) => (text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text).toLowerCase();
	const values = (columns: string[], found: string[][]) => (found.length === 0
		? `SELECT ${columns.map(column => `CAST(NULL AS VARCHAR) AS ${column}`).join(', ')} WHERE false`
		: `SELECT * FROM (VALUES ${found.map(row => `(${row.map(sqlString).join(', ')})`).join(', ')}) AS t(${columns.join(', ')})`);
	let match = new RegExp(String.raw`^show\s+tables(?:\s+(?:in|from)\s+${name})?(?:\s+(?:like\s+)?'((?:[^']|'')*)')?$`, 'i').exec(sql);
	if (match) {
		const schema = match[1] ? unquote(match[1]) : database;
		const pattern = match[2] === undefined ? undefined : hivePattern(match[2].replaceAll('\'\'', '\''));
		const tables = (await catalogTables(store)).filter(item => item.database === schema && (!pattern || pattern.test(item.table)));
		return values(['tab_name'], tables.map(item => [item.table]).sort());
	}

	if (/^show\s+(?:databases|schemas)$/i.test(sql)) return values(['database_name'], (await catalogDatabases(store)).map(item => [item]));
	match = new RegExp(String.raw`^(?:(show\s+columns\s+(?:from|in))|describe)\s+(?:${name}\s*\.\s*)?${name}$`, 'i').exec(sql);
	if (match) {
		const schema = match[2] ? unquote(match[2]) : database;
		const table = unquote(match[3]!);
		const found = (await catalogTables(store)).find(item => item.database === schema && item.table === table);
		if (!found) throw new QueryFailure('TABLE_NOT_FOUND', `Table 'awsdatacatalog.${schema}.${table}' does not exist`);
		const columns = glueColumns(found.group);
		return match[1] ? values(['field'], columns.map(column => [column.Name])) : values(['col_name', 'data_type', 'comment'], columns.map(column => [column.Name, column.Type, '']));
	}

	return undefined;
}
