/**
 * Colour that means something (green copy/done, yellow cast/warning, red
 * drop/failure, dim unusable) and disappears for NO_COLOR, --no-color, dumb
 * terminals and pipes. Every symbol still reads without it.
 */
export interface Style {
	readonly enabled: boolean;
	green(text: string): string;
	yellow(text: string): string;
	red(text: string): string;
	cyan(text: string): string;
	dim(text: string): string;
	bold(text: string): string;
}

const wrap = (enabled: boolean, open: number, close: number) => (text: string) =>
	enabled ? `\u001B[${open}m${text}\u001B[${close}m` : text;

export function makeStyle(enabled: boolean): Style {
	return {
		enabled,
		green: wrap(enabled, 32, 39),
		yellow: wrap(enabled, 33, 39),
		red: wrap(enabled, 31, 39),
		cyan: wrap(enabled, 36, 39),
		dim: wrap(enabled, 2, 22),
		bold: wrap(enabled, 1, 22),
	};
}

/** Whether to colour a stream, by the usual conventions. */
export function colorWanted(stream: {isTTY?: boolean}, flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
	if (flag === false || 'NO_COLOR' in env && env['NO_COLOR'] !== '') return false;
	if (env['FORCE_COLOR'] !== undefined && env['FORCE_COLOR'] !== '0') return true;
	if (env['TERM'] === 'dumb') return false;
	return stream.isTTY === true;
}

// eslint-disable-next-line no-control-regex
const ansi = /\u001B\[[0-9;]*m/g;
export const stripAnsi = (text: string) => text.replace(ansi, '');
/** Width in terminal cells (ANSI codes take none; good enough for our text). */
export const visibleWidth = (text: string) => [...stripAnsi(text)].length;
