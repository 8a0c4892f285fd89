/**
 * Forced crash and hold points, for the kill -9 and concurrency tests.
 * FS_TEST_KILL_AT=POINT:N kills the process (SIGKILL, as kill -9 does) the
 * N-th time a thread passes POINT: a test knows exactly where the run died,
 * instead of racing a signal against a small source. FS_TEST_HOLD_AT=POINT:N
 * with FS_TEST_HOLD_FILE=F holds the thread there (F.held says so) until F
 * exists: a second run can be started while the first is certainly live.
 * Unset, as always outside the tests, a point does nothing.
 */
import {existsSync, writeFileSync} from 'node:fs';

export type CrashPoint =
	/** A failed record's line is in the failed-records file; its write call is not committed yet. */
	| 'failed-line'
	/** A record-by-record write call is committed; the main thread does not know yet. */
	| 'batch-written'
	/** A bulk load is committed; its offline files are not moved into place yet. */
	| 'bulk-committed'
	/** A bulk load is done; the main thread does not know yet. */
	| 'bulk-loaded'
	/** Every row is handed over and reported; the run has not ended yet (main thread). */
	| 'transferred'
	/** The offline history is copied server-side; the checkpoint does not say so yet (main thread). */
	| 'offline-copied';

const parse = (text: string | undefined) => {
	const match = /^([\w-]+):(\d+)$/.exec(text ?? '');
	return match ? {point: match[1], nth: Number(match[2])} : undefined;
};

const kill = parse(process.env['FS_TEST_KILL_AT']);
const hold = parse(process.env['FS_TEST_HOLD_AT']);
const holdFile = process.env['FS_TEST_HOLD_FILE'];
const passes = new Map<string, number>();

export function crashPoint(point: CrashPoint): void {
	if (!kill && !hold) return;
	const count = (passes.get(point) ?? 0) + 1;
	passes.set(point, count);
	if (kill?.point === point && count >= kill.nth) process.kill(process.pid, 'SIGKILL');
	if (hold?.point === point && count === hold.nth && holdFile) {
		writeFileSync(`${holdFile}.held`, String(process.pid));
		const wait = new Int32Array(new SharedArrayBuffer(4));
		while (!existsSync(holdFile)) Atomics.wait(wait, 0, 0, 20);
	}
}
