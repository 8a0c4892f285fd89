/** Text pieces of the app's views: bars that shrink with the width, cells of a fixed width. */
/**
 * A bar of `done` out of `total`; `inFlight` more (a bulk load under way,
 * not written yet) follow in a lighter shade.
 */
export function bar(done: number, total: number, width: number, inFlight = 0): string {
	const cells = Math.max(4, width);
	const cellsOf = (rows: number) => (total > 0 ? Math.min(cells, Math.round((cells * rows) / total)) : cells);
	const filled = cellsOf(done);
	const moving = cellsOf(done + inFlight) - filled;
	return '█'.repeat(filled) + '▓'.repeat(moving) + '░'.repeat(cells - filled - moving);
}

/** The bar width left on a line of `columns` after `reserved` characters of text. */
export const barWidth = (columns: number, reserved: number) => Math.max(4, Math.min(40, columns - reserved));

/** `text` in `width` cells: cut with an ellipsis, or padded (on the left with `right`). */
export function fit(text: string, width: number, right = false): string {
	if (width <= 0) return '';
	const cut = text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text;
	return right ? cut.padStart(width) : cut.padEnd(width);
}
