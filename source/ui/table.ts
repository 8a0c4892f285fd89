/**
 * Plain aligned tables for `list`, `schema`, `get`. On a terminal the
 * lowest-priority columns are left out until the table fits the width;
 * piped output keeps every column.
 */
import {visibleWidth} from './style.js';

export interface Column<T> {
	header: string;
	value: (row: T) => string;
	align?: 'left' | 'right';
	/** Columns are dropped from the highest number first when too wide. */
	priority?: number;
	/** Style a cell after padding (colour must not change the width). */
	paint?: (text: string, row: T) => string;
}

export function renderTable<T>(rows: T[], columns: Array<Column<T>>, maxWidth?: number): string {
	let shown = columns;
	const cells = (cols: Array<Column<T>>) => rows.map(row => cols.map(column => column.value(row)));
	const widthsOf = (cols: Array<Column<T>>, body: string[][]) => cols.map((column, index) =>
		Math.max(visibleWidth(column.header), ...body.map(row => visibleWidth(row[index]!))));
	let body = cells(shown);
	let widths = widthsOf(shown, body);
	const total = (w: number[]) => w.reduce((sum, width) => sum + width, 0) + 2 * (w.length - 1);
	while (maxWidth !== undefined && total(widths) > maxWidth && shown.length > 1) {
		const drop = shown.reduce((worst, column) => ((column.priority ?? 0) > (worst.priority ?? 0) ? column : worst), shown.at(-1)!);
		if ((drop.priority ?? 0) === 0) break;
		shown = shown.filter(column => column !== drop);
		body = cells(shown);
		widths = widthsOf(shown, body);
	}

	const pad = (text: string, width: number, align: 'left' | 'right' = 'left') => {
		const gap = ' '.repeat(Math.max(0, width - visibleWidth(text)));
		return align === 'right' ? gap + text : text + gap;
	};

	const lines = [shown.map((column, index) => pad(column.header, widths[index]!, column.align)).join('  ').trimEnd()];
	for (const [r, row] of body.entries()) {
		lines.push(shown.map((column, index) => {
			const padded = pad(row[index]!, widths[index]!, column.align);
			return column.paint ? column.paint(padded, rows[r]!) : padded;
		}).join('  ').trimEnd());
	}

	return lines.join('\n');
}

