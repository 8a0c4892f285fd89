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

/** 0:04.3 */
export function preciseDuration(seconds: number): string {
	const whole = Math.floor(seconds);
	return `${duration(whole)}.${Math.floor((seconds - whole) * 10)}`;
}

export const percent = (done: number, total: number) => (total > 0 ? `${((100 * done) / total).toFixed(1)}%` : '100.0%');
