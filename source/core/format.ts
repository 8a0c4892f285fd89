/** Small formatting helpers shared by the views. */
export const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** 0:04, 1:02:03 */
export function duration(seconds: number): string {
	const total = Math.max(0, Math.round(seconds));
	const h = Math.floor(total / 3600);
	const m = Math.floor((total % 3600) / 60);
	const s = total % 60;
	return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}` : `${m}:${String(s).padStart(2, '0')}`;
}

/** Time left for `left` records at `rate` a second: "—" while nothing has moved yet (not a false 0:00). */
export function eta(left: number, rate: number): string {
	if (left <= 0) return duration(0);
	return rate > 0 ? duration(left / rate) : '—';
}

/** 0:04.3 */
export function preciseDuration(seconds: number): string {
	const whole = Math.floor(seconds);
	return `${duration(whole)}.${Math.floor((seconds - whole) * 10)}`;
}

export const percent = (done: number, total: number) => (total > 0 ? `${((100 * done) / total).toFixed(1)}%` : '100.0%');

/** A word for a POSIX shell: as is when safe, else single-quoted. */
export function shellWord(word: string): string {
	return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll('\'', '\'\\\'\'')}'`;
}

/**
 * How the user runs fs where they are: `npx fs` when npm started it (`npm
 * start`, `npx fs` in a checkout), since `fs` is then not on PATH; else `fs`.
 */
export function programName(env: NodeJS.ProcessEnv): string {
	return env['npm_command'] === 'exec' || env['npm_lifecycle_event'] === 'start' ? 'npx fs' : 'fs';
}
