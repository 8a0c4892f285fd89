/**
 * The statements of Athena's that write (docs/emulator.md, Athena): UNLOAD
 * (a query's rows as Parquet under an empty S3 prefix, optionally in Hive
 * partitions), INSERT INTO a feature group's table (its rows added to the
 * offline store, in SageMaker's layout of event-time hours) and DELETE FROM
 * an Iceberg table (rows removed, as Iceberg's row-level deletes do; a Glue
 * table refuses it as Athena does). Each runs in the emulator's DuckDB over
 * the store's S3 directory, with the SELECT in Trino's dialect translated
 * as queries are (stores/local/trino.ts).
 */
import {existsSync, mkdirSync, readdirSync, renameSync, rmSync} from 'node:fs';
import path from 'node:path';
import type {DuckDBConnection} from '@duckdb/node-api';
import {duckType, sqlName, sqlString} from '../io/duckdb.js';
import type {FeatureGroup} from '../core/types.js';
import type {LocalStore} from '../stores/local/index.js';
import {placeFiles} from '../stores/local/offline-flush.js';
import {TrinoTranslator, TrinoUnsupported} from '../stores/local/trino.js';
import {QueryFailure} from './athena-errors.js';
import {catalogTables, glueColumns} from './catalog.js';
import {objectPath} from './s3-objects.js';

interface TableRef {
	database?: string;
	table: string;
}

export type WriteStatement =
	| {kind: 'unload'; select: string; to: string; properties: Map<string, string | string[]>}
	| {kind: 'insert'; table: TableRef; columns?: string[]; select: string}
	| {kind: 'delete'; table: TableRef; where?: string};

const name = String.raw`("(?:[^"]|"")+"|[A-Za-z_][\w$-]*)`;
const unquote = (text: string) => (text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text).toLowerCase();

function tableRef(first: string, second?: string): TableRef {
	return second === undefined ? {table: unquote(first)} : {database: unquote(first), table: unquote(second)};
}

/** The statement if it is one of the writes this emulator runs; undefined for anything else (a query). */
export function parseWriteStatement(sql: string): WriteStatement | undefined {
	let match = /^unload\s*\(([\s\S]*)\)\s*to\s*'((?:[^']|'')*)'\s*with\s*\(([\s\S]*)\)$/i.exec(sql);
	if (match) return {kind: 'unload', select: match[1]!, to: match[2]!.replaceAll('\'\'', '\''), properties: properties(match[3]!)};
	if (/^unload\b/i.test(sql)) throw new QueryFailure('SYNTAX_ERROR', 'UNLOAD takes (SELECT …) TO \'s3://bucket/prefix/\' WITH (format = \'PARQUET\', …)');
	match = new RegExp(String.raw`^insert\s+into\s+(?:(?:awsdatacatalog\s*\.\s*)?${name}\s*\.\s*)?${name}\s*(\(([^)]*)\))?\s+((?:select|with|values|\()[\s\S]*)$`, 'i').exec(sql);
	if (match) {
		const columns = match[4]?.split(',').map(column => unquote(column.trim()));
		return {kind: 'insert', table: match[1] === undefined ? tableRef(match[2]!) : tableRef(match[1], match[2]), ...(columns ? {columns} : {}), select: match[5]!};
	}

	match = new RegExp(String.raw`^delete\s+from\s+(?:(?:awsdatacatalog\s*\.\s*)?${name}\s*\.\s*)?${name}(?:\s+where\s+([\s\S]+))?$`, 'i').exec(sql);
	if (match) return {kind: 'delete', table: match[1] === undefined ? tableRef(match[2]!) : tableRef(match[1], match[2]), ...(match[3] ? {where: match[3]} : {})};
	return undefined;
}

/** WITH (key = 'value', key = ARRAY['a', 'b']): keys lowercased. */
function properties(text: string): Map<string, string | string[]> {
	const found = new Map<string, string | string[]>();
	const pattern = /(\w+)\s*=\s*(?:'((?:[^']|'')*)'|array\s*\[([^\]]*)\])/gi;
	for (const match of text.matchAll(pattern)) {
		found.set(match[1]!.toLowerCase(), match[2] === undefined
			? match[3]!.split(',').map(item => item.trim().replace(/^'|'$/g, '')).filter(Boolean)
			: match[2].replaceAll('\'\'', '\''));
	}

	const rest = text.replace(pattern, '').replace(/[\s,]/g, '');
	if (rest !== '') throw new QueryFailure('SYNTAX_ERROR', `UNLOAD's WITH properties could not be read: ${text.trim().slice(0, 60)}`);
	return found;
}

/** Where the writes stage their files before moving them into place (DuckDB may write there). */
/** Every file under `from` renamed to the same place under `to` (one file system: each appears whole). */
function moveFiles(from: string, to: string) {
	for (const entry of readdirSync(from, {withFileTypes: true})) {
		const source = path.join(from, entry.name);
		const target = path.join(to, entry.name);
		if (entry.isDirectory()) {
			mkdirSync(target, {recursive: true});
			moveFiles(source, target);
		} else {
			renameSync(source, target);
		}
	}
}

export const stagingDir = (store: LocalStore) => path.join(store.dir, 'tmp', 'athena-writes');

export class AthenaWrites {
	constructor(private readonly store: LocalStore, private readonly connection: DuckDBConnection) {}

	async run(statement: WriteStatement, database: string, id: string): Promise<void> {
		if (statement.kind === 'unload') return this.unload(statement, id);
		const {group, format} = await this.table(statement.table, database);
		if (statement.kind === 'insert') return this.insert(group, statement, id);
		if (format !== 'Iceberg') throw new QueryFailure('NOT_SUPPORTED', `Cannot delete from non-managed Hive table: ${group.OfflineStoreConfig!.DataCatalogConfig!.TableName} is not an Iceberg table`);
		return this.delete(group, statement.where, id);
	}

	private async translate(sql: string): Promise<string> {
		try {
			return await new TrinoTranslator(this.connection).statement(sql);
		} catch (error) {
			if (error instanceof TrinoUnsupported) throw new QueryFailure(error.errorName, error.detail);
			throw error;
		}
	}

	private async table(ref: TableRef, database: string): Promise<{group: FeatureGroup; format: 'Glue' | 'Iceberg'}> {
		const schema = ref.database ?? database;
		const found = (await catalogTables(this.store)).find(item => item.database === schema && item.table === ref.table);
		if (!found) throw new QueryFailure('TABLE_NOT_FOUND', `Table 'awsdatacatalog.${schema}.${ref.table}' does not exist`);
		return {group: found.group, format: found.group.OfflineStoreConfig?.TableFormat ?? 'Glue'};
	}

	/** UNLOAD: Parquet only, under a prefix that holds nothing yet (Athena refuses to write over objects). */
	private async unload(statement: Extract<WriteStatement, {kind: 'unload'}>, id: string) {
		const format = String(statement.properties.get('format') ?? '').toUpperCase();
		if (format !== 'PARQUET') throw new QueryFailure('NOT_SUPPORTED', `The fs emulator's UNLOAD writes format = 'PARQUET' only, not ${format || 'the default (TEXTFILE)'}`);
		const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(statement.to);
		if (!match) throw new QueryFailure('SYNTAX_ERROR', `UNLOAD's location must be s3://bucket/prefix/, got ${statement.to}`);
		const prefix = match[2]!.replace(/\/+$/, '');
		const dir = prefix === '' ? path.join(this.store.dir, 's3', match[1]!) : objectPath(this.store.dir, match[1]!, prefix);
		if (existsSync(dir) && readdirSync(dir).length > 0) throw new QueryFailure('HIVE_PATH_ALREADY_EXISTS', `Target directory for table already exists: ${statement.to}. Unload to an empty location`);
		const partitions = statement.properties.get('partitioned_by');
		const columns = Array.isArray(partitions) ? partitions : [];
		const select = await this.translate(statement.select);
		// Written aside, then each file moved into place whole: as an S3 object, a file is never seen half-written (a query reading the table meanwhile).
		const staging = path.join(stagingDir(this.store), `unload-${id}`);
		rmSync(staging, {recursive: true, force: true});
		mkdirSync(staging, {recursive: true});
		try {
			const file = columns.length > 0 ? sqlString(staging) : sqlString(path.join(staging, `${id}_0.parquet`));
			const options = columns.length > 0 ? `, PARTITION_BY (${columns.map(sqlName).join(', ')}), FILENAME_PATTERN ${sqlString(`${id}_{i}`)}` : '';
			await this.connection.run(`COPY (${select}) TO ${file} (FORMAT parquet${options})`);
			mkdirSync(dir, {recursive: true});
			moveFiles(staging, dir);
		} finally {
			rmSync(staging, {recursive: true, force: true});
		}
	}

	/** INSERT INTO a feature group's table: the rows cast to its columns, laid out by event-time hour as the store lays out its own. */
	private async insert(group: FeatureGroup, statement: Extract<WriteStatement, {kind: 'insert'}>, id: string) {
		const select = await this.translate(statement.select);
		const described = await this.connection.runAndReadAll(`DESCRIBE ${select}`);
		const width = described.getRows().length;
		const table = tableColumns(group);
		const named = statement.columns ?? table.map(column => column.name);
		for (const column of named) {
			if (!table.some(item => item.name === column)) throw new QueryFailure('COLUMN_NOT_FOUND', `Insert column name does not exist in target table: ${column}`);
		}

		if (named.length !== width) throw new QueryFailure('SYNTAX_ERROR', `Insert query has ${width} columns, the target table ${named.length}`);
		const values = table.map(column => {
			const at = named.indexOf(column.name);
			return `CAST(${at < 0 ? 'NULL' : `__s.${sqlName(`c${at}`)}`} AS ${column.type}) AS ${sqlName(column.feature)}`;
		});
		const rows = `SELECT ${values.join(', ')} FROM (${select}) AS __s(${named.map((_, index) => sqlName(`c${index}`)).join(', ')})`;
		await this.place(group, rows, id);
	}

	/** DELETE FROM an Iceberg table: every row (its offline files go), or the rows the condition holds for (the rest written again). */
	private async delete(group: FeatureGroup, where: string | undefined, id: string) {
		if (where === undefined) {
			await this.store.clearOfflineStore(group.FeatureGroupName);
			return;
		}

		const {dir, files} = this.store.offlineFiles(group.FeatureGroupName);
		if (files.length === 0) return;
		const condition = await new TrinoTranslator(this.connection).expression(where).catch((error: unknown) => {
			if (error instanceof TrinoUnsupported) throw new QueryFailure(error.errorName, error.detail);
			throw error;
		});
		const list = files.map(file => sqlString(path.join(dir, file))).join(', ');
		const kept = `SELECT ${tableColumns(group).map(column => sqlName(column.feature)).join(', ')} FROM read_parquet([${list}], hive_partitioning = false, union_by_name = true) WHERE NOT coalesce((${condition}), false)`;
		await this.place(group, kept, id, () => {
			for (const file of files) rmSync(path.join(dir, file), {force: true});
		});
	}

	/**
	 * `rows` (the table's columns) written by event-time hour into staging,
	 * then moved into the group's data directory as the store names its
	 * files; `before` runs between the two (a delete removes the old files).
	 */
	private async place(group: FeatureGroup, rows: string, id: string, before?: () => void) {
		const staging = path.join(stagingDir(this.store), id);
		rmSync(staging, {recursive: true, force: true});
		mkdirSync(staging, {recursive: true});
		try {
			const eventTime = group.FeatureDefinitions.find(feature => feature.FeatureName === group.EventTimeFeatureName)!;
			const millis = eventTime.FeatureType === 'String'
				? `epoch_ms(TRY_CAST(${sqlName(eventTime.FeatureName)} AS TIMESTAMP))`
				: `${sqlName(eventTime.FeatureName)} * 1000`;
			await this.connection.run(`COPY (SELECT *, CAST(floor(${millis} / 3600000) AS BIGINT) AS __hour FROM (${rows})) TO ${sqlString(staging)} (FORMAT parquet, PARTITION_BY (__hour), FILENAME_PATTERN 'part_{i}')`);
			before?.();
			placeFiles(this.store.offlineFiles(group.FeatureGroupName).dir, group, staging, id, Date.now());
		} finally {
			rmSync(staging, {recursive: true, force: true});
		}
	}
}

/** The table's columns in Glue's order (catalog.ts), with the feature each is and its type in DuckDB. */
function tableColumns(group: FeatureGroup): Array<{name: string; feature: string; type: string}> {
	const glue = glueColumns(group);
	return glue.map((column, index) => {
		const feature = group.FeatureDefinitions[index];
		if (feature) return {name: column.Name, feature: feature.FeatureName, type: duckType(feature)};
		return {name: column.Name, feature: column.Name, type: column.Name === 'is_deleted' ? 'BOOLEAN' : 'TIMESTAMP'};
	});
}
