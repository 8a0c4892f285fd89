/** Text pieces of the transfer view: bars that shrink with the width. */
export function bar(done: number, total: number, width: number): string {
	const cells = Math.max(4, width);
	const filled = total > 0 ? Math.min(cells, Math.round((cells * done) / total)) : cells;
	return '█'.repeat(filled) + '░'.repeat(cells - filled);
}

/** The bar width left on a line of `columns` after `reserved` characters of text. */
export const barWidth = (columns: number, reserved: number) => Math.max(4, Math.min(40, columns - reserved));
