/**
 * One migration at a time into a feature group. A run takes the target's
 * lock before it writes anything and gives it back when it ends; a second
 * run into the same target (of any source, any filter) is refused with the
 * holder's pid and run. A holder that died (kill -9, a lost machine) leaves
 * its file behind: a lock whose process is gone on this host is taken over.
 *
 * Where the lock lives: in the embedded store's own directory (every user of
 * the store sees it), else in $FS_HOME (the service: one machine's runs).
 */
import {processRunning} from '../io/processes.js';
import {createHash, randomBytes} from 'node:crypto';
import {linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {hostname} from 'node:os';
import path from 'node:path';
import {usageError} from '../core/errors.js';

export interface LockOwner {
	pid: number;
	host: string;
	runId: string;
	startedAt: string;
	/** What the holder is doing, for the message a second run shows. */
	what: string;
}

export interface TargetLock {
	file: string;
	release(): void;
}

/** The lock file of a target, by its identity (Store.groupIdentity). */
export function lockFileFor(identity: string, dir: string): string {
	return path.join(dir, `${createHash('sha256').update(identity).digest('hex').slice(0, 16)}.lock`);
}

/**
 * Take the lock in `file` for `owner`, or throw a usage error naming the run
 * that holds it. Created whole (written aside, then hard-linked into place,
 * which fails if the file exists): a reader never sees half an owner.
 */
export function acquireLock(file: string, owner: LockOwner, target: string): TargetLock {
	mkdirSync(path.dirname(file), {recursive: true});
	const mine = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
	writeFileSync(mine, JSON.stringify(owner));
	try {
		for (let attempt = 0; attempt < 5; attempt++) {
			try {
				linkSync(mine, file);
				return {file, release: () => releaseLock(file, owner)};
			} catch (error) {
				if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
			}

			const holder = readOwner(file);
			if (holder && alive(holder)) {
				throw usageError(
					`A migration into ${target} is running: pid ${holder.pid} on ${holder.host}, run ${holder.runId} (${holder.what}), since ${holder.startedAt}.`,
					`Wait for it to finish, or stop it (Ctrl-C, or kill ${holder.pid}) and resume it later. To split one job over several processes, run it as shards (--shard K/N, docs/shards.md). If no such process exists, remove ${file}.`,
					'TargetLocked',
				);
			}

			// Gone (or unreadable: a holder killed while... never: it is written whole).
			// Moved aside first: of two runs taking over at once, one moves it.
			const stale = `${file}.stale-${randomBytes(4).toString('hex')}`;
			try {
				renameSync(file, stale);
			} catch {
				continue;
			}

			const moved = readOwner(stale);
			if (moved && holder && (moved.pid !== holder.pid || moved.runId !== holder.runId)) {
				// Another run took it over between our read and our move: give it back.
				try {
					linkSync(stale, file);
				} catch {}
			}

			rmSync(stale, {force: true});
		}

		throw usageError(`Could not take the lock ${file}: other runs keep taking it.`, 'Try again in a moment.', 'TargetLocked');
	} finally {
		rmSync(mine, {force: true});
	}
}

function releaseLock(file: string, owner: LockOwner) {
	const holder = readOwner(file);
	if (holder && holder.pid === owner.pid && holder.runId === owner.runId) rmSync(file, {force: true});
}

function readOwner(file: string): LockOwner | undefined {
	try {
		const owner = JSON.parse(readFileSync(file, 'utf8')) as LockOwner;
		return typeof owner.pid === 'number' ? owner : undefined;
	} catch {
		return undefined;
	}
}

/** Whether the holder still runs. On another host we cannot tell: it does. */
function alive(owner: LockOwner): boolean {
	if (owner.host !== hostname()) return true;
	if (owner.pid === process.pid) return true;
	return processRunning(owner.pid);
}
