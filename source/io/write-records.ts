/**
 * Writers for `fs export`: CSV, JSON (one array of flat objects) and Parquet,
 * streamed batch by batch with back-pressure, optionally gzipped. Values keep
 * their exact text: an Integral of 2^63 - 1 is written digit for digit.
 */
import {createWriteStream, mkdtempSync, rmSync, type WriteStream} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {once} from 'node:events';
import {createGzip} from 'node:zlib';
import type {DuckDBConnection, DuckDBValue} from '@duckdb/node-api';
import type {FeatureDefinition} from '../core/types.js';
import type {OfflineBatch} from '../stores/store.js';
import {castFromText, collectionJson, duckdbMemory, loadDuckDB, sqlName, sqlString, wideChunkBytes} from './duckdb.js';
import {releaseNativeMemory} from './native-memory.js';

export type OutputFormat = 'csv' | 'json' | 'parquet';

export interface RecordWriter {
	write(batch: OfflineBatch): Promise<void>;
	close(): Promise<void>;
	/** Stop and remove what was written (after an error or Ctrl-C). */
	abort(): Promise<void>;
}

type Cell = string | string[] | null;

export function openWriter(file: string, format: OutputFormat, compress: boolean, features: FeatureDefinition[], names: string[], stdout?: NodeJS.WritableStream): RecordWriter {
	if (format === 'parquet') return new ParquetWriter(file, features, names, compress);
	return new TextWriter(file, format, compress, features, names, stdout);
}

class TextWriter implements RecordWriter {
	private readonly sink: NodeJS.WritableStream;
	/** Resolves when everything is flushed to the file (or to stdout). */
	private readonly finished: Promise<unknown>;
	private readonly toStdout: boolean;
	private readonly compressed: boolean;
	private readonly render: Array<(cell: Cell) => string>;
	private first = true;

	constructor(private readonly file: string, private readonly format: 'csv' | 'json', compress: boolean, features: FeatureDefinition[], private readonly names: string[], stdout?: NodeJS.WritableStream) {
		const byName = new Map(features.map(feature => [feature.FeatureName, feature]));
		this.render = names.map(name => (format === 'json' ? jsonCell(byName.get(name), name) : csvCell));
		this.toStdout = file === '-' && stdout !== undefined;
		this.compressed = compress;
		const target = this.toStdout ? stdout! : createWriteStream(file);
		if (compress) {
			const gzip = createGzip();
			gzip.pipe(target, {end: !this.toStdout});
			this.sink = gzip;
			this.finished = once(this.toStdout ? gzip : target as NodeJS.EventEmitter, this.toStdout ? 'end' : 'close');
		} else {
			this.sink = target;
			this.finished = this.toStdout ? Promise.resolve() : once(target as NodeJS.EventEmitter, 'close');
		}

		if (format === 'csv') void this.put(`${names.map(name => csvCell(name)).join(',')}\n`);
		else void this.put('[');
	}

	async write(batch: OfflineBatch) {
		let text = '';
		const {columns, length} = batch;
		for (let row = 0; row < length; row++) {
			if (this.format === 'csv') {
				let line = '';
				for (let c = 0; c < columns.length; c++) line += (c === 0 ? '' : ',') + this.render[c]!(columns[c]![row]!);
				text += `${line}\n`;
			} else {
				let object = '{';
				for (let c = 0; c < columns.length; c++) object += `${c === 0 ? '' : ', '}${JSON.stringify(this.names[c])}: ${this.render[c]!(columns[c]![row]!)}`;
				text += `${this.first ? '\n' : ',\n'}  ${object}}`;
				this.first = false;
			}
		}

		await this.put(text);
	}

	async close() {
		if (this.format === 'json') await this.put(this.first ? ']\n' : '\n]\n');
		if (this.toStdout && !this.compressed) return; // Never end the process's stdout.
		this.sink.end();
		await this.finished;
	}

	async abort() {
		if (!this.toStdout) {
			this.sink.end();
			await this.finished.catch(() => undefined);
			rmSync(this.file, {force: true});
		}
	}

	private async put(text: string) {
		if (text && !this.sink.write(text)) await once(this.sink as NodeJS.EventEmitter, 'drain');
	}
}

const csvCell = (cell: Cell): string => {
	if (cell === null) return '';
	const text = Array.isArray(cell) ? JSON.stringify(cell) : cell;
	// A quoted empty string is an empty value; an unquoted one is no value.
	return text === '' || /[",\n\r]/.test(text) || text.trim() !== text ? `"${text.replaceAll('"', '""')}"` : text;
};

export function jsonCell(feature: FeatureDefinition | undefined, name: string): (cell: Cell) => string {
	if (!feature) {
		return name === 'is_deleted'
			? cell => (cell === null ? 'null' : cell === 'true' ? 'true' : 'false')
			: cell => JSON.stringify(cell);
	}

	const numeric = feature.FeatureType !== 'String';
	const scalar = (text: string) => (numeric ? text : JSON.stringify(text));
	return cell => {
		if (cell === null) return 'null';
		if (Array.isArray(cell)) return `[${cell.map(scalar).join(', ')}]`;
		return scalar(cell);
	};
}

/**
 * Parquet through DuckDB: rows go into a table of a temporary on-disk
 * database (so memory stays flat: DuckDB spills to its file), then one COPY
 * writes the file with each feature's own type. Wide rows (wideChunkBytes)
 * go to a JSON-lines file instead, which the COPY reads: a table holds a
 * block of every column for the rows it is given (2,500 columns: 640 MB at
 * its first commit), a reader a chunk of them.
 */
class ParquetWriter implements RecordWriter {
	private readonly scratch = mkdtempSync(path.join(tmpdir(), 'fs-export-'));
	private readonly wide: boolean;
	private connection?: Promise<DuckDBConnection>;
	private appender?: Awaited<ReturnType<DuckDBConnection['createAppender']>>;
	private lines?: WriteStream;
	/** The longest JSON line written (read_json must take objects that long: its maximum_object_size). */
	private longest = 0;
	private batches = 0;

	constructor(private readonly file: string, private readonly features: FeatureDefinition[], private readonly names: string[], private readonly compress: boolean) {
		this.wide = this.chunk >= wideChunkBytes;
	}

	/** Every column is text until the COPY (chunkBytes of as many text columns). */
	private get chunk() {
		return this.names.length * 32 * 1024;
	}

	private async open(): Promise<DuckDBConnection> {
		const {DuckDBInstance} = await loadDuckDB();
		// Wide rows on one thread: each holds chunks of every column.
		const instance = await DuckDBInstance.create(path.join(this.scratch, 'export.duckdb'), {
			threads: this.wide ? '1' : '2', memory_limit: duckdbMemory('128MB', this.chunk), temp_directory: this.scratch,
		});
		const connection = await instance.connect();
		if (!this.wide) await connection.run(`CREATE TABLE rows (${this.names.map(name => `${sqlName(name)} VARCHAR`).join(', ')})`);
		return connection;
	}

	private get linesFile() {
		return path.join(this.scratch, 'rows.jsonl');
	}

	async write(batch: OfflineBatch) {
		const byName = new Map(this.features.map(feature => [feature.FeatureName, feature]));
		const columns: Array<Array<string | null>> = batch.columns.map((column, index) => {
			const feature = byName.get(this.names[index]!);
			return column.map(cell => (Array.isArray(cell) ? collectionJson(feature!, cell) : cell));
		});
		if (this.wide) {
			// One object a row, its values as text under the column's position (c0, c1, …).
			this.lines ??= createWriteStream(this.linesFile);
			let text = '';
			for (let row = 0; row < batch.length; row++) {
				const line = `{${columns.map((column, index) => `"c${index}":${JSON.stringify(column[row])}`).join(',')}}\n`;
				this.longest = Math.max(this.longest, Buffer.byteLength(line));
				text += line;
			}

			if (!this.lines.write(text)) await once(this.lines, 'drain');
			return;
		}

		this.connection ??= this.open();
		const connection = await this.connection;
		const {DuckDBDataChunk, VARCHAR} = await loadDuckDB();
		this.appender ??= await connection.createAppender('rows');
		const chunk = DuckDBDataChunk.create(this.names.map(() => VARCHAR), batch.length);
		chunk.setColumns(columns as DuckDBValue[][]);
		this.appender.appendDataChunk(chunk);
		if (++this.batches % 64 === 0) releaseNativeMemory();
	}

	async close() {
		this.connection ??= this.open();
		const connection = await this.connection;
		this.appender?.closeSync();
		const byName = new Map(this.features.map(feature => [feature.FeatureName, feature]));
		const select = this.names.map((name, index) => {
			const feature = byName.get(name);
			const column = this.wide ? `c${index}` : sqlName(name);
			if (feature) return `${castFromText(feature, column)} AS ${sqlName(name)}`;
			if (name === 'is_deleted') return `CAST(${column} AS BOOLEAN) AS ${sqlName(name)}`;
			return `CAST(${column} AS TIMESTAMP) AS ${sqlName(name)}`;
		});
		let from = 'rows';
		if (this.wide) {
			const lines = this.lines ?? createWriteStream(this.linesFile);
			await new Promise<void>((resolve, reject) => {
				lines.on('error', reject);
				lines.end(resolve);
			});
			const types = this.names.map((_, index) => `c${index}: 'VARCHAR'`).join(', ');
			from = `read_json(${sqlString(this.linesFile)}, format = 'newline_delimited', columns = {${types}}, maximum_object_size = ${Math.max(16 * 1024 * 1024, this.longest)})`;
		}

		try {
			await connection.run(`COPY (SELECT ${select.join(', ')} FROM ${from}) TO ${sqlString(this.file)} (FORMAT parquet, COMPRESSION ${this.compress ? 'zstd' : 'snappy'})`);
		} finally {
			connection.closeSync();
			rmSync(this.scratch, {recursive: true, force: true});
		}
	}

	async abort() {
		this.lines?.destroy();
		if (this.connection) (await this.connection).closeSync();
		rmSync(this.scratch, {recursive: true, force: true});
		rmSync(this.file, {force: true});
	}
}

