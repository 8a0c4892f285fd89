/** What the migration engine takes and gives: its sides and its result. */
import type {FeatureGroup} from '../core/types.js';
import type {StoreHandle} from '../stores/open.js';
import type {Store} from '../stores/store.js';

export interface Side {
	store: Store;
	handle: StoreHandle;
	group: FeatureGroup;
}

export interface Totals {
	read: number;
	written: number;
	failed: number;
	skipped: number;
	deletes: number;
}

export interface Verification {
	offlineRows?: {expected: number; actual: number; ok: boolean};
	sample?: {checked: number; matched: number; ok: boolean};
	note?: string;
}

export interface MigrationResult {
	status: 'done' | 'interrupted';
	totals: Totals;
	/** Write calls sent again (unprocessed entries, throttling, 5xx). */
	retries: number;
	seconds: number;
	recordsPerSecond: number;
	failedFile?: string;
	verification?: Verification;
	/** Of the skipped rows, those the target held already (left out of the snapshot). */
	alreadyInTarget?: number;
	/** The history copied server-side: its rows (also in `totals`), and the winners written online by the workers. */
	offlineCopied?: number;
	online?: Totals;
}
