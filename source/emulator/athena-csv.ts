/**
 * Athena's result CSV: a header line, every value in double quotes (quotes
 * inside doubled), NULL as an empty unquoted field, `\n` after every row;
 * values may hold newlines. csv-stringify cannot tell NULL from "" this way,
 * hence these few lines. GetQueryResults reads its pages back out of the same
 * file, from a byte offset, as Athena serves them from its result object.
 */
import {open} from 'node:fs/promises';

export type CsvRow = Array<string | null>;

export function csvLine(values: CsvRow): string {
	return `${values.map(value => (value === null ? '' : `"${value.replaceAll('"', '""')}"`)).join(',')}\n`;
}

const quote = 0x22;
const comma = 0x2C;
const newline = 0x0A;
const readSize = 256 * 1024;

/**
 * Up to `max` rows starting at byte `offset`; `next` is the offset after the
 * last row returned, `more` whether rows follow. Quotes, commas and newlines
 * are ASCII and never occur inside a multi-byte UTF-8 sequence, so the file
 * is split on bytes and each field decoded whole.
 */
export async function readCsvRows(file: string, offset: number, max: number): Promise<{rows: CsvRow[]; next: number; more: boolean}> {
	const handle = await open(file, 'r');
	try {
		const size = (await handle.stat()).size;
		let data = Buffer.alloc(0);
		let position = offset;
		let start = 0;
		const rows: CsvRow[] = [];
		while (rows.length < max) {
			const parsed = parseRow(data, start, position >= size);
			if (parsed) {
				rows.push(parsed.row);
				start = parsed.end;
				continue;
			}

			if (position >= size) break;
			// Keep the unparsed tail and read on: a row may be longer than one read.
			const chunk = Buffer.alloc(Math.min(readSize, size - position));
			const {bytesRead} = await handle.read(chunk, 0, chunk.length, position);
			position += bytesRead;
			data = Buffer.concat([data.subarray(start), chunk.subarray(0, bytesRead)]);
			offset += start;
			start = 0;
		}

		const next = offset + start;
		return {rows, next, more: next < size};
	} finally {
		await handle.close();
	}
}

/** One row from `start`, or undefined when the data ends before the row does (and more may come). */
function parseRow(data: Buffer, start: number, atEnd: boolean): {row: CsvRow; end: number} | undefined {
	if (start >= data.length) return undefined;
	const row: CsvRow = [];
	let i = start;
	for (;;) {
		let value: string | null;
		if (data[i] === quote) {
			const parts: Buffer[] = [];
			let from = i + 1;
			for (;;) {
				const close = data.indexOf(quote, from);
				if (close < 0) return undefined;
				parts.push(data.subarray(from, close));
				if (data[close + 1] === quote) {
					parts.push(data.subarray(close, close + 1));
					from = close + 2;
					continue;
				}

				if (close + 1 >= data.length && !atEnd) return undefined;
				i = close + 1;
				break;
			}

			value = Buffer.concat(parts).toString('utf8');
		} else {
			let end = i;
			while (end < data.length && data[end] !== comma && data[end] !== newline) end++;
			if (end >= data.length && !atEnd) return undefined;
			value = end === i ? null : data.toString('utf8', i, end);
			i = end;
		}

		row.push(value);
		if (i >= data.length) return {row, end: i};
		if (data[i] === newline) return {row, end: i + 1};
		i++; // the comma
	}
}
