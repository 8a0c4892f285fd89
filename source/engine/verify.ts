/**
 * The migration's verification: the target's offline rows counted against
 * what was written (the embedded store; the service lands them later), and a
 * sample of records read back from the online store.
 */
import {hasOfflineStore, hasOnlineStore, type FsRecord} from '../core/types.js';
import type {Side, Verification} from './types.js';
import {retryCall} from './write.js';

/**
 * `offlineBefore`: the target's offline rows before the run (undefined: not
 * counted); `samples`: identifier → the record it should end with (null: deleted).
 */
export async function verifyTarget(target: Side, written: number, offlineBefore: number | undefined, samples: Map<string, FsRecord | null>, shard?: string): Promise<Verification> {
	const verification: Verification = {};
	const name = target.group.FeatureGroupName;
	if (offlineBefore !== undefined) {
		const actual = await target.store.countOffline(name, {mode: 'history'});
		const expected = offlineBefore + written;
		verification.offlineRows = {expected, actual, ok: actual === expected};
	} else if (hasOfflineStore(target.group) && shard) {
		verification.note = `offline rows not counted: the other shards of ${shard.split('/')[1]} write the same target`;
	} else if (hasOfflineStore(target.group)) {
		verification.note = 'offline rows land in the service\'s offline store within ~15 minutes; not counted now';
	}

	if (hasOnlineStore(target.group)) {
		let checked = 0;
		let matched = 0;
		for (const expected of samples.values()) {
			if (expected === null) continue;
			const targetId = expected[target.group.RecordIdentifierFeatureName];
			if (typeof targetId !== 'string') continue;
			checked++;
			// The same patience as writes: a throttled read is not a failed check.
			const actual = await retryCall(() => target.store.getRecord(name, targetId));
			// A later version than this run's may be online already (the event-time rule): that is fine.
			if (actual && sameOrLater(actual, expected, target.group.EventTimeFeatureName)) matched++;
		}

		verification.sample = {checked, matched, ok: checked === matched};
	}

	return verification;
}

function sameOrLater(actual: FsRecord, expected: FsRecord, eventTime: string): boolean {
	const a = actual[eventTime];
	const e = expected[eventTime];
	if (a !== e) return typeof a === 'string' && typeof e === 'string' && Date.parse(a) > Date.parse(e);
	return JSON.stringify(Object.entries(actual).sort()) === JSON.stringify(Object.entries(expected).sort());
}
