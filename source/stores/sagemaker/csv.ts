/**
 * Athena's result CSV → OfflineBatch, streamed. Athena quotes every value it
 * writes and leaves NULL as an empty unquoted field, so `""` is an empty
 * string and `,,` is no value. Columns are found by header name, never by
 * position, and values come out in the runtime API's text: timestamps as
 * ISO-8601 UTC like the embedded store, doubles as JavaScript prints them.
 */
import type {Readable} from 'node:stream';
import {parse} from 'csv-parse';
import {runtimeError} from '../../core/errors.js';
import {quotedFields} from '../../io/read-records.js';
import {JsonNumber, parseValue} from '../../io/json-array.js';
import type {OfflineBatch} from '../store.js';

export type ColumnKind = 'string' | 'integral' | 'fractional' | 'list' | 'fractional-list' | 'timestamp' | 'boolean';

export interface ResultColumn {
	name: string;
	kind: ColumnKind;
}

type Value = string | string[] | null;

/** A double as JavaScript prints it: Athena writes 1.0E10 where the embedded store says 10000000000. */
export function doubleText(text: string): string {
	const number = Number(text);
	return text.trim() !== '' && Number.isFinite(number) ? String(number) : text;
}

/** `2024-01-01 00:00:00.000` (Athena's timestamp) → `2024-01-01T00:00:00.000Z`. */
export function isoTimestamp(text: string): string {
	const match = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d+))?\s*(?:Z|UTC|\+00:00)?$/.exec(text.trim());
	if (match) return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
	const millis = Date.parse(text);
	return Number.isNaN(millis) ? text : new Date(millis).toISOString();
}

/**
 * An array value. Collections only reach an offline store through an
 * InMemory online store, which SageMaker does not replicate offline today,
 * so this is for completeness: JSON text (`["a","b"]`, from
 * json_format) is exact; Presto's own text (`[a, b]`) cannot tell a ", "
 * inside an element from the separator, and is split on it.
 */
export function listValue(text: string, fractional: boolean): string[] {
	const trimmed = text.trim();
	const element = (item: string) => (fractional ? doubleText(item) : item);
	try {
		const parsed = parseValue(trimmed, what => {
			throw new Error(what);
		});
		if (Array.isArray(parsed)) {
			return parsed.map(item => element(item instanceof JsonNumber ? item.text : typeof item === 'string' ? item : JSON.stringify(item)));
		}
	} catch {
		// Not JSON: Presto's array text.
	}

	const inner = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
	return inner === '' ? [] : inner.split(', ').map(element);
}

export function convertValue(kind: ColumnKind, text: string): Value {
	switch (kind) {
		case 'fractional':
			return doubleText(text);
		case 'timestamp':
			return isoTimestamp(text);
		case 'boolean':
			return text.toLowerCase();
		case 'list':
			return listValue(text, false);
		case 'fractional-list':
			return listValue(text, true);
		default:
			return text;
	}
}

/** Where each wanted column is in the header: exact name first, then ignoring case (Athena lower-cases). */
function columnIndexes(header: string[], columns: ResultColumn[]): number[] {
	return columns.map(column => {
		let index = header.indexOf(column.name);
		if (index < 0) index = header.findIndex(name => name.toLowerCase() === column.name.toLowerCase());
		if (index < 0) {
			throw runtimeError(`Athena's result has no column ${JSON.stringify(column.name)} (it has: ${header.join(', ')}).`, 'This is a bug in fs; run with FS_DEBUG=1 and report it.', 'UnexpectedResult');
		}

		return index;
	});
}

/** The rows of an Athena result CSV in batches of `batchSize`, columns in the order asked. */
export async function * readAthenaCsv(body: Readable | AsyncIterable<Buffer | string>, columns: ResultColumn[], batchSize = 2000): AsyncGenerator<OfflineBatch> {
	const parser = parse({bom: true, raw: true});
	const source = body as Readable;
	// Errors of the body (a dropped connection) must reach the reader, not vanish.
	source.on?.('error', error => parser.destroy(error));
	source.pipe?.(parser);
	const names = columns.map(column => column.name);
	let indexes: number[] | undefined;
	let width = 0;
	let batch = emptyBatch(names);
	try {
		for await (const {record, raw} of parser as AsyncIterable<{record: string[]; raw: string}>) {
			if (!indexes) {
				indexes = columnIndexes(record, columns);
				width = record.length;
				continue;
			}

			if (record.length !== width) {
				throw runtimeError(`Athena's result has a row of ${record.length} values for ${width} columns.`, 'Run it again; if it persists, report it with FS_DEBUG=1.', 'UnexpectedResult');
			}

			// Only rows with an empty field need their raw text looked at.
			const quoted = record.includes('') ? quotedFields(raw) : undefined;
			for (const [c, index] of indexes.entries()) {
				const cell = record[index]!;
				batch.columns[c]!.push(cell === '' && !quoted?.[index] ? null : (cell === '' ? '' : convertValue(columns[c]!.kind, cell)));
			}

			if (++batch.length >= batchSize) {
				yield batch;
				batch = emptyBatch(names);
			}
		}
	} catch (error) {
		if ((error as {code?: string}).code?.startsWith('CSV_')) {
			throw runtimeError(`Athena's result CSV could not be read: ${(error as Error).message}.`, 'Run it again; if it persists, report it with FS_DEBUG=1.', 'UnexpectedResult');
		}

		throw error;
	} finally {
		// A reader that stops early (a limit) must not leave the S3 connection open.
		source.destroy?.();
	}

	if (batch.length > 0) yield batch;
}

function emptyBatch(names: string[]): OfflineBatch {
	return {names, columns: names.map(() => []), length: 0};
}
