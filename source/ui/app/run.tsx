/**
 * Starting the guided migration from `fs migrate` on a terminal, with the
 * real stores and engine behind the App's Controller.
 */
import {render} from 'ink';
import type {Context} from '../../cli/command.js';
import {checkCompatibility} from '../../core/compat.js';
import {hasOfflineStore, storesOf} from '../../core/types.js';
import {Migration} from '../../engine/migrate.js';
import {prepare, type Prepared} from '../../commands/migrate-prepare.js';
import {outcomeError, settle, summaryLines} from '../../commands/migrate.js';
import {describeStore} from '../../stores/open.js';
import {makeStyle} from '../style.js';
import {count} from '../format.js';
import {App, defaultOptions, type Controller, type Outcome} from './App.js';
import type {Options} from './Review.js';

export async function runGuided(context: Context, initial?: {source: string; target: string}): Promise<void> {
	const store = await context.store();
	const notes: string[] = [];
	let current: Prepared | undefined;
	const release = async () => {
		const previous = current;
		current = undefined;
		await previous?.closeStores();
	};

	const controller: Controller<Prepared> = {
		storeLabel: describeStore(store),
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
		async prepare(source, target, options: Options) {
			await release();
			current = await prepare({
				...context,
				input: [source, target],
				flags: {
					...context.flags,
					batchSize: options.batchSize,
					maxWorkers: options.workers,
					filterQuery: options.filter || undefined,
					clearTarget: options.clearTarget,
					mode: options.mode || undefined,
					yes: true,
				},
				note: text => notes.push(text ?? ''),
			});
			return current;
		},
		start: prepared => new Migration(prepared),
		finish(prepared, result) {
			settle(prepared, result);
			return {lines: summaryLines(result, makeStyle(true)), error: outcomeError(context, prepared, result)};
		},
	};

	let outcome: Outcome = {kind: 'quit'};
	const options: Options = {
		...defaultOptions,
		batchSize: String(context.flags['batchSize'] ?? defaultOptions.batchSize),
		workers: String(context.flags['maxWorkers'] ?? defaultOptions.workers),
		filter: (context.flags['filterQuery'] as string | undefined) ?? '',
		clearTarget: context.flags['clearTarget'] === true,
		mode: (context.flags['mode'] as Options['mode'] | undefined) ?? '',
	};
	const app = render(<App controller={controller} initial={initial} options={options} onExit={result => {
		outcome = result;
	}}/>, {exitOnCtrlC: false, stdout: context.io.stdout as NodeJS.WriteStream, stdin: context.io.stdin as NodeJS.ReadStream, patchConsole: false});
	try {
		await app.waitUntilExit();
	} finally {
		await release();
	}

	const final = outcome as Outcome;
	if (final.kind === 'failed') throw final.error;
	if (final.kind === 'finished' && final.error) throw final.error;
	if (final.kind === 'quit') context.note('Nothing was migrated.');
}
