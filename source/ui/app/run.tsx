/**
 * The guided face of a migration: the App, with the migration layer
 * (source/migration) and the engine behind its Controller. The plain face
 * is commands/migrate.ts; both prepare, confirm and settle through the same
 * code.
 */
import {render} from 'ink';
import {checkCompatibility} from '../../core/compat.js';
import {count} from '../../core/format.js';
import {hasOfflineStore, storesOf} from '../../core/types.js';
import {Migration} from '../../engine/migrate.js';
import {createAndWait, newGroupInput} from '../../migration/new-group.js';
import {migrationOptions, type OptionsInput, type StoreChoice} from '../../migration/options.js';
import {failure, settle} from '../../migration/outcome.js';
import {prepare, type Prepared} from '../../migration/prepare.js';
import {describeStore} from '../../stores/open.js';
import type {Store} from '../../stores/store.js';
import {makeStyle} from '../style.js';
import {summaryLines} from '../summary.js';
import {App, type Controller, type Outcome} from './App.js';
import {formDefaults, type Options} from './Review.js';

export interface GuidedStart {
	/** The store whose groups are listed. */
	store: Store;
	stdout: NodeJS.WriteStream;
	stdin: NodeJS.ReadStream;
	env: NodeJS.ProcessEnv;
	cwd: string;
	/** The stores as named on the command line (printed commands name them too). */
	stores: StoreChoice;
	/** The options form as the command line filled it in. */
	form?: Partial<Options>;
	/** Options the command line gave that the form does not show: they apply to every plan. */
	fixed?: GuidedFixed;
	initial?: {source: string; target: string};
	/** Colour and emoji (off with NO_COLOR, --no-color: the app opens all the same). */
	color?: boolean;
}

/** The command line's options the guided form has no field for. */
export type GuidedFixed = Pick<OptionsInput, 'offlineCopy' | 'maxWriteRate' | 'skipExisting' | 'failedOutput'>;

/** The App's Controller over the migration layer, and how to let go of the stores of the last plan. */
export function guidedController(start: Pick<GuidedStart, 'store' | 'env' | 'cwd' | 'stores' | 'color' | 'fixed'>): {controller: Controller<Prepared>; release(): Promise<void>} {
	const {store} = start;
	let current: Prepared | undefined;
	const release = async () => {
		const previous = current;
		current = undefined;
		await previous?.closeStores();
	};

	const controller: Controller<Prepared> = {
		// Read at each frame: the service's account is learnt from the groups listed.
		get storeLabel() {
			return describeStore(store);
		},
		async groups() {
			const groups = await store.listFeatureGroups();
			return Promise.all(groups.map(async group => {
				const ready = group.FeatureGroupStatus === 'Created';
				let size = '(ListRecords)';
				if (hasOfflineStore(group) && ready) size = `${count(await store.countOffline(group.FeatureGroupName, {mode: 'history'}))} rows`;
				return {group, row: {name: group.FeatureGroupName, status: group.FeatureGroupStatus, stores: storesOf(group) === 'online' ? 'online only' : storesOf(group), size, ...(ready ? {} : {unusable: `not ready: ${group.FeatureGroupStatus}`})}};
			}));
		},
		incompatible(source, target) {
			const errors = checkCompatibility(source, target).errors;
			return errors.length > 0 ? `incompatible: ${errors[0]}` : undefined;
		},
		async prepare(source, target, form: Options) {
			await release();
			const options = migrationOptions({
				...start.fixed, source, target, batchSize: form.batchSize, workers: form.workers, filter: form.filter, clearTarget: form.clearTarget, mode: form.mode || undefined, stores: start.stores,
			});
			current = await prepare(options, {env: start.env, cwd: start.cwd});
			return current;
		},
		start: prepared => new Migration(prepared),
		finish(prepared, result) {
			return {lines: summaryLines(result, makeStyle(start.color ?? true)), error: settle(prepared, result)};
		},
		failure,
		async createGroup(draft) {
			await createAndWait(store, newGroupInput(store, draft));
			return controller.groups();
		},
	};
	return {controller, release};
}

/** Runs the guided migration; its outcome's error (if any) is thrown, for the exit code. Returns whether anything ran. */
export async function runGuided(start: GuidedStart): Promise<'quit' | 'finished'> {
	const {controller, release} = guidedController(start);
	let outcome: Outcome = {kind: 'quit'};
	const app = render(<App controller={controller} initial={start.initial} color={start.color ?? true} options={{...formDefaults, ...start.form}} onExit={result => {
		outcome = result;
	}}/>, {exitOnCtrlC: false, stdout: start.stdout, stdin: start.stdin, patchConsole: false});
	try {
		await app.waitUntilExit();
	} finally {
		await release();
	}

	const final = outcome as Outcome;
	if (final.kind === 'failed') throw final.error;
	if (final.kind === 'finished' && final.error) throw final.error;
	return final.kind === 'quit' ? 'quit' : 'finished';
}
