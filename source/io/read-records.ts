/**
 * Records from a file for `fs bulk-put`: a JSON array of flat objects or a CSV
 * with a header, optionally gzipped (`.gz`). Values may be strings or numbers;
 * an empty CSV cell or a JSON null means "no value". Streamed: one record at a
 * time, with the line it came from.
 */
import {createReadStream} from 'node:fs';
import {open} from 'node:fs/promises';
import {createGunzip} from 'node:zlib';
import {parse} from 'csv-parse';
import {usageError} from '../core/errors.js';
import type {FeatureValue, FsRecord} from '../core/types.js';
import {JsonNumber, parseValue, readJsonArray, type JsonValue} from './json-array.js';

export type InputFormat = 'json' | 'csv';

export interface InputRow {
	/** Where the record is, for messages: "line 12" or "item 3 (line 1)". */
	where: string;
	line: number;
	record: FsRecord;
}

export interface InputFile {
	format: InputFormat;
	gzip: boolean;
	/** CSV only: the header, known before the first row. */
	header?: string[];
	rows(): AsyncGenerator<InputRow>;
}

/**
 * Open FILE. `collections` names the features whose CSV cells hold JSON
 * lists (["a","b"]).
 */
export async function openInput(file: string, {format, collections = new Set<string>()}: {format?: InputFormat; collections?: Set<string>} = {}): Promise<InputFile> {
	let handle;
	try {
		handle = await open(file, 'r');
	} catch (error) {
		throw usageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`, 'Check the path of the file.');
	}

	const head = Buffer.alloc(64);
	const {bytesRead} = await handle.read(head, 0, 64, 0);
	await handle.close();
	const gzip = bytesRead >= 2 && head[0] === 0x1F && head[1] === 0x8B;
	const name = file.replace(/\.gz$/i, '').toLowerCase();
	let detected = format ?? (name.endsWith('.json') ? 'json' : name.endsWith('.csv') ? 'csv' : undefined);
	if (!detected && !gzip) detected = head.subarray(0, bytesRead).toString('utf8').trimStart().startsWith('[') ? 'json' : 'csv';
	if (!detected) throw usageError(`Cannot tell whether ${file} is JSON or CSV.`, 'Name it .json(.gz) or .csv(.gz).');
	const stream = () => {
		const raw = createReadStream(file);
		return gzip ? raw.pipe(createGunzip()) : raw;
	};

	if (detected === 'json') {
		return {
			format: 'json',
			gzip,
			async * rows() {
				const text = stream().setEncoding('utf8') as AsyncIterable<string>;
				for await (const item of readJsonArray(text, file)) {
					yield {where: `item ${item.index + 1} (line ${item.line})`, line: item.line, record: jsonRecord(item.value, file, item.line)};
				}
			},
		};
	}

	const header = await csvHeader(stream(), file);
	return {
		format: 'csv',
		gzip,
		header,
		async * rows() {
			// An unquoted empty cell is no value; a quoted one ("") is an empty string.
			// csv-parse's cast option could tell them apart but costs 10x the
			// parse, so rows with an empty cell are looked at in their raw text.
			const parser = stream().pipe(parse({bom: true, info: true, raw: true, from_line: 2, skip_empty_lines: true}));
			try {
				for await (const {record, info, raw} of parser as AsyncIterable<{record: string[]; info: {lines: number}; raw: string}>) {
					if (record.length !== header.length) {
						throw usageError(`${file} line ${info.lines}: ${record.length} values for ${header.length} columns.`, 'Every CSV row needs one value per header column.');
					}

					const quoted = record.includes('') ? quotedFields(raw) : undefined;
					const out: FsRecord = {};
					for (const [index, name] of header.entries()) {
						const cell = record[index]!;
						if (cell === '' && !quoted?.[index]) continue;
						out[name] = collections.has(name) ? csvList(cell, file, info.lines) : cell;
					}

					yield {where: `line ${info.lines}`, line: info.lines, record: out};
				}
			} catch (error) {
				if ((error as {code?: string}).code?.startsWith('CSV_')) {
					throw usageError(`${file}: ${(error as Error).message}.`, 'Fix the CSV (quote values that hold commas, quotes or newlines).');
				}

				throw error;
			}
		},
	};
}

/** Which fields of one raw CSV record start with a quote. */
export function quotedFields(raw: string): boolean[] {
	const quoted: boolean[] = [];
	let atFieldStart = true;
	let inQuotes = false;
	for (let i = 0; i < raw.length; i++) {
		const char = raw[i];
		if (atFieldStart) {
			quoted.push(char === '"');
			atFieldStart = false;
			if (char === '"') {
				inQuotes = true;
				continue;
			}
		}

		if (inQuotes) {
			if (char === '"' && raw[i + 1] === '"') i++;
			else if (char === '"') inQuotes = false;
		} else if (char === ',') {
			atFieldStart = true;
		}
	}

	if (atFieldStart) quoted.push(false);
	return quoted;
}

async function csvHeader(stream: NodeJS.ReadableStream, file: string): Promise<string[]> {
	const parser = stream.pipe(parse({bom: true, to_line: 1}));
	for await (const record of parser as AsyncIterable<string[]>) return record.map(name => name.trim());
	throw usageError(`${file} is empty.`, 'A CSV needs a header line naming the features.');
}

/** A CSV cell of a collection feature holds a JSON list: ["a","b"] or [1,2]. */
function csvList(cell: string, file: string, line: number): string[] {
	const fail = (): never => {
		throw usageError(`${file} line ${line}: ${JSON.stringify(cell.slice(0, 40))} is not a JSON list.`, 'Write collection values as JSON arrays of strings or numbers, e.g. "[""a"",""b""]".');
	};

	const parsed = parseValue(cell.trim(), fail);
	if (!Array.isArray(parsed)) return fail();
	return parsed.map(item => (typeof item === 'string' ? item : item instanceof JsonNumber ? item.text : fail()));
}

function jsonRecord(value: JsonValue, file: string, line: number): FsRecord {
	const fix = 'Each item must be a flat object of feature names to strings or numbers (lists for collection features).';
	if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof JsonNumber) {
		throw usageError(`${file} line ${line}: expected an object.`, fix);
	}

	const out: FsRecord = {};
	for (const [name, item] of Object.entries(value)) {
		const converted = jsonFeatureValue(item);
		if (converted === undefined) throw usageError(`${file} line ${line}: ${name} is ${describe(item)}, not a string or number.`, fix);
		if (converted !== null) out[name] = converted;
	}

	return out;
}

function jsonFeatureValue(item: JsonValue): FeatureValue | null | undefined {
	if (item === null) return null;
	if (typeof item === 'string') return item;
	if (Array.isArray(item)) {
		const list: string[] = [];
		for (const element of item) {
			const scalar = jsonFeatureValue(element);
			if (typeof scalar !== 'string') return undefined;
			list.push(scalar);
		}

		return list;
	}

	if (item instanceof JsonNumber) return item.text;

	return undefined;
}

function describe(item: JsonValue): string {
	if (typeof item === 'boolean') return String(item);
	if (Array.isArray(item)) return 'a list with a nested value';
	return 'an object';
}
