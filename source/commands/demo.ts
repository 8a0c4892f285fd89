import {existsSync, readdirSync, rmSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';
import {defineCommand, type Context, type GlobalValues} from '../cli/command.js';
import {runtimeError, usageError} from '../core/errors.js';
import {count, programName, shellWord} from '../core/format.js';
import {formatEventTime} from '../core/values.js';
import type {FsRecord} from '../core/types.js';
import {putRecords} from '../engine/write.js';
import {LocalStore} from '../stores/local/index.js';
import {openStore, parseStoreSpec} from '../stores/open.js';
import {renderTable} from '../ui/table.js';
import {demoCustomers, demoGroups} from './demo-data.js';

export const demoCommand = defineCommand({
	name: 'demo',
	summary: 'build a demo local store to try everything on',
	args: [0, 0],
	makesStore: true,
	flags: {guide: {type: 'boolean', default: true}, customers: {type: 'integer', default: demoCustomers, min: 100, max: 1_000_000}},
	help: `
Usage
  fs demo [--store local:DIR] [--customers N] [--no-guide]

Builds (or rebuilds) an embedded store with realistic feature groups — history,
deletes, values that will not cast, an offline-only, an online-only and a
still-Creating group — in DIR (default ~/.fs/demo), then opens the guided
migration on it (on a terminal; --no-guide skips it) and shows what to try.
--customers N sizes it (default 10,000 customers: 107,000 records).

Examples
  fs demo
  fs demo --store local:/tmp/fs-demo
  fs demo --store local:/tmp/fs-small --customers 1000`,
	async run(context) {
		const dir = demoDir(context.given.has('store') ? context.flags.store : undefined, context.io.env);
		const started = Date.now();
		if (existsSync(dir) && readdirSync(dir).length > 0) {
			if (!existsSync(path.join(dir, 'fs-store.json'))) {
				throw usageError(`${dir} is not empty and is not an fs store; the demo will not overwrite it.`, 'Pick another directory: fs demo --store local:DIR');
			}

			rmSync(dir, {recursive: true, force: true});
		}

		const {errStyle} = context;
		context.note(errStyle.dim(`building the demo store in ${dir}…`));
		// The demo writes in large batches: no network here, so no reason for 25.
		const store = new LocalStore(dir, {batchWriteLimit: 1000, region: context.flags.region});
		const rows: Array<{name: string; status: string; stores: string; records: number; about: string}> = [];
		try {
			for (const demo of demoGroups(Date.now(), context.flags.customers)) {
				await store.createFeatureGroup(demo.input, demo.stuckCreating ? Infinity : 0);
				let count = 0;
				if (demo.records) {
					let batch: FsRecord[] = [];
					const flush = async () => {
						const failed = await putRecords(store, demo.input.FeatureGroupName, batch);
						if (failed.length > 0) throw runtimeError(`Demo data refused: ${failed[0]!.errorMessage}`, 'This is a bug in fs.');
						count += batch.length;
						batch = [];
					};

					for (const record of demo.records()) {
						batch.push(record);
						if (batch.length === 1000) await flush();
					}

					if (batch.length > 0) await flush();
				}

				for (const id of demo.deletes ?? []) {
					await store.deleteRecord({FeatureGroupName: demo.input.FeatureGroupName, RecordIdentifier: id, EventTime: formatEventTime('String', Date.now())});
				}

				const group = await store.describeFeatureGroup(demo.input.FeatureGroupName);
				rows.push({name: group.FeatureGroupName, status: group.FeatureGroupStatus, stores: demo.input.OfflineStoreConfig ? (demo.input.OnlineStoreConfig ? 'online+offline' : 'offline') : 'online', records: count, about: demo.about});
			}
		} finally {
			await store.close();
		}

		const seconds = ((Date.now() - started) / 1000).toFixed(1);
		const {style} = context;
		const flag = `--store ${shellWord(`local:${dir}`)}`;
		const fs = programName(context.io.env);
		context.print(`${style.green('✔')} Demo store ready in ${seconds}s: ${dir}\n`);
		context.print(renderTable(rows, [
			{header: 'FEATURE GROUP', value: row => row.name},
			{header: 'STATUS', value: row => row.status, paint: (text, row) => (row.status === 'Created' ? text : style.yellow(text))},
			{header: 'STORES', value: row => row.stores},
			{header: 'RECORDS', value: row => (row.records ? count(row.records) : '-'), align: 'right'},
			{header: 'WHAT', value: row => row.about, priority: 1},
		], context.io.stdout.isTTY ? context.io.stdout.columns ?? 80 : undefined));
		if (guidedWanted(context)) {
			// The demo opens the guided migration on the store it built.
			const spec = `local:${dir}`;
			const guidedStore = await openStore({spec, region: context.flags.region, env: context.io.env});
			try {
				const {runGuidedFace} = await import('./migrate.js');
				await runGuidedFace(context, {store: guidedStore, stores: {store: spec}});
			} finally {
				await guidedStore.close();
			}
		}

		context.print(`
Try next (or export FS_STORE=local:${dir} and drop the --store flag):
  ${fs} list ${flag}
  ${fs} schema old-customer-profile ${flag}
  ${fs} get old-customer-profile cust_000042 ${flag}
  ${fs} export customer-history - --limit 5 --format json ${flag}
  ${fs} export customer-history old.csv --where "WHERE from_iso8601_timestamp(event_time) < current_date - interval '90' day" ${flag}
  ${fs} bulk-put customer-archive old.csv ${flag}
  ${fs} clear customer-history-v2 --dry-run ${flag}`);
	},
});

/** On a terminal (not CI, not NO_COLOR, not --no-guide) the demo goes on into the guided migration. */
function guidedWanted(context: Context<GlobalValues & {readonly guide: boolean}>): boolean {
	const {env} = context.io;
	return context.interactive && context.flags.guide && !(env['CI'] && env['CI'] !== 'false');
}

function demoDir(spec: string | undefined, env: NodeJS.ProcessEnv): string {
	const named = spec ?? (env['FS_STORE']?.startsWith('local') ? env['FS_STORE'] : undefined);
	if (named === undefined) return path.join(env['HOME'] ?? homedir(), '.fs', 'demo');
	const parsed = parseStoreSpec(named, env);
	if (parsed.kind !== 'local') throw usageError('`fs demo` builds an embedded store.', 'Pass --store local:DIR, or no --store for ~/.fs/demo.');
	return parsed.dir;
}
