/**
 * What confirming a migration takes, decided here for both faces: typing the
 * target's name when the run deletes data (--clear-target) or drops
 * features; a yes/no otherwise. `--yes` stands for either.
 */
import {count} from '../core/format.js';
import type {Plan} from '../core/plan.js';

export type Confirmation =
	| {kind: 'yes-no'; question: string; why: string}
	| {kind: 'type-name'; name: string; why: string};

export function confirmationFor(plan: Plan): Confirmation {
	const existing = plan.holdings?.existing;
	const dropped = plan.compatibility.actions.filter(action => action.kind === 'drop').map(action => action.name);
	const destructive = [
		plan.clearTarget ? `it deletes the data of ${plan.target} first` : '',
		plan.compatibility.dataLoss ? `${dropped.join(', ')} will be dropped (${dropped.length} source feature${dropped.length === 1 ? '' : 's'})` : '',
		existing && !existing.skipped && existing.rows > 0 ? `it copies ${count(existing.rows)} rows ${plan.target} holds already again (--no-skip-existing: its offline history gets them twice)` : '',
	].filter(Boolean).join('; ');
	if (destructive) return {kind: 'type-name', name: plan.target, why: destructive};
	// Rows the target holds already are left out: the question counts what will be written.
	const skipped = existing?.skipped ? existing.rows : 0;
	const records = plan.estimatedRecords - skipped;
	const already = skipped > 0 ? ` (${count(skipped)} already there are skipped)` : '';
	return {kind: 'yes-no', question: `Migrate ${count(records)} records into ${plan.target}${already}?`, why: `it writes ${count(records)} records into ${plan.target}`};
}
