/**
 * The guided migration in a real terminal (tmux, 80×24) on a demo store, from
 * the pickers to the summary, then the target checked with the store itself.
 */
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {cliPath} from '../helpers/cli.js';
import {demoSize} from '../../source/commands/demo-data.js';
import {buildDemo} from '../helpers/demo.js';
import {tempDir} from '../helpers/temp.js';
import {hasTmux, TmuxSession} from '../helpers/tmux.js';

const temp = tempDir('fs-e2e-');
let demo: string;
const size = demoSize(1000);
/** old-customer-profile's rows: every version and the delete markers. */
const read = size.customers * size.profileVersions + size.profileDeletes;
const count = (n: number) => n.toLocaleString('en-US');
let session: TmuxSession | undefined;

beforeAll(async () => {
	if (!hasTmux()) throw new Error('tmux is needed for the terminal test: apt-get install tmux (.ci/run does)');
	// A demo of 1,000 customers: the screens are the same, the transfer a tenth.
	demo = await buildDemo(path.join(temp.dir, 'demo'), size.customers);
});
afterAll(() => {
	session?.kill();
	temp.remove();
});

describe('guided migration in a real terminal', () => {
	it('picks, reviews, confirms, transfers and summarises at 80×24', async () => {
		session = TmuxSession.start('guided', `${process.execPath} ${cliPath} migrate`, {
			env: {FS_STORE: `local:${demo}`, FS_HOME: path.join(temp.dir, 'home'), HOME: temp.dir},
			cwd: temp.dir,
		});
		let screen = await session.waitFor(text => text.includes('Pick the SOURCE feature group') && text.includes('customer-history'));
		expect(screen).toContain('step 1 of 4');
		expect(screen).toMatch(/events-v3\s+Creating.*not ready: Creating/);
		session.type('old-cust');
		await session.waitFor(text => text.includes('filter: old-cust'));
		session.keys('Enter');
		await session.waitFor(text => text.includes('Pick the TARGET for old-customer-profile'));
		session.type('new-cust');
		await session.waitFor(text => text.includes('filter: new-cust'));
		session.keys('Enter');
		screen = await session.waitFor(text => text.includes(`Estimated records: ${count(read)}`));
		expect(screen).toContain('~ balance');
		expect(screen).toContain('- legacy_flag');
		expect(screen.split('\n')[0]).toContain('fs migrate');
		session.keys('Enter');
		await session.waitFor(text => text.includes('Type new-customer-profile to confirm'));
		session.type('new-customer-profile');
		session.keys('Enter');
		screen = await session.waitFor(text => text.includes('Migration finished'), 120_000);
		expect(screen).toMatch(new RegExp(`read\\s+${count(read)}\\s+= written \\+ failed \\+ skipped ✓`));
		expect(screen).toMatch(/failed\s+4/);
		expect(screen).toContain('Retry: fs migrate old-customer-profile new-customer-profile');
		session.keys('Enter');
		screen = await session.waitFor(text => text.includes('[exit '));
		expect(screen).toContain('[exit 3]');

		const store = new LocalStore(demo);
		try {
			expect(await store.getRecord('new-customer-profile', 'cust_000042')).toMatchObject({customer_id: 'cust_000042', external_id: '9223372036854000042'});
			expect(await store.countOffline('new-customer-profile', {mode: 'history'})).toBe(read - size.brokenBalances);
		} finally {
			await store.close();
		}
	});

	it('a first-time migration: a new target drafted from the source\'s schema, created (as fs create does), then migrated', async () => {
		session?.kill();
		session = TmuxSession.start('new-group', `${process.execPath} ${cliPath} migrate`, {
			env: {FS_STORE: `local:${demo}`, FS_HOME: path.join(temp.dir, 'home'), HOME: temp.dir},
			cwd: temp.dir,
		});
		await session.waitFor(text => text.includes('Pick the SOURCE feature group'));
		session.type('old-cust');
		await session.waitFor(text => text.includes('filter: old-cust'));
		session.keys('Enter');
		await session.waitFor(text => text.includes('❯ + new feature group from old-customer-profile\'s schema'));
		session.keys('Enter');
		await session.waitFor(text => text.includes('Name: old-customer-profile-v2'));
		session.keys('C-u');
		session.type('customer-profile-v3');
		await session.waitFor(text => text.includes('Name: customer-profile-v3'));
		// customer_id, event_time, age, balance, legacy_flag: drop legacy_flag, add tier.
		session.keys('Down', 'Down', 'Down', 'Down', 'Down');
		await session.waitFor(text => /❯ {3}legacy_flag/.test(text));
		session.type('d');
		await session.waitFor(text => /- legacy_flag\s+Integral\s+dropped/.test(text));
		session.type('a');
		await session.waitFor(text => text.includes('+ new feature:'));
		session.type('tier');
		session.keys('Enter');
		await session.waitFor(text => /\+ tier\s+String\s+new/.test(text));
		session.keys('Enter');
		let screen = await session.waitFor(text => text.includes(`Estimated records: ${count(read)}`), 60_000);
		expect(screen).toContain('old-customer-profile → customer-profile-v3');
		expect(screen).toContain('- legacy_flag');
		expect(screen).toContain('+ tier');
		session.keys('Enter');
		await session.waitFor(text => text.includes('Type customer-profile-v3 to confirm'));
		session.type('customer-profile-v3');
		session.keys('Enter');
		screen = await session.waitFor(text => text.includes('Migration finished'), 120_000);
		expect(screen).toMatch(new RegExp(`read\\s+${count(read)}\\s+= written \\+ failed \\+ skipped ✓`));
		session.keys('Enter');
		screen = await session.waitFor(text => text.includes('[exit '));
		expect(screen).toContain('[exit 0]');

		const store = new LocalStore(demo);
		try {
			const made = await store.describeFeatureGroup('customer-profile-v3');
			const source = await store.describeFeatureGroup('old-customer-profile');
			expect(made.FeatureGroupStatus).toBe('Created');
			expect(made.FeatureDefinitions.map(feature => feature.FeatureName)).toEqual([
				...source.FeatureDefinitions.map(feature => feature.FeatureName).filter(name => name !== 'legacy_flag'), 'tier',
			]);
			expect(made.OnlineStoreConfig).toEqual(source.OnlineStoreConfig);
			expect(await store.countOffline('customer-profile-v3', {mode: 'history'})).toBe(read);
		} finally {
			await store.close();
		}
	});

	it('with NO_COLOR opens all the same, without colour or emoji (no-color.org)', async () => {
		session?.kill();
		session = TmuxSession.start('no-color', `${process.execPath} ${cliPath} migrate old-customer-profile new-customer-profile`, {
			env: {FS_STORE: `local:${demo}`, FS_HOME: path.join(temp.dir, 'home'), HOME: temp.dir, NO_COLOR: '1'},
			cwd: temp.dir,
		});
		const screen = await session.waitFor(text => text.includes('Estimated records'));
		expect(screen).toContain('Migration plan');
		expect(screen).not.toMatch(/📋/u);
		// No colour: SGR sequences that set a colour (30–37, 90–97, 38;…).
		expect(session.screen(true)).not.toMatch(/\u001B\[(?:\d+;)*(?:3[0-8]|9[0-7])(?:;\d+)*m/);
		session.keys('Escape');
		await session.waitFor(text => !text.includes('Estimated records'));
		session.keys('C-c');
		await session.waitFor(text => text.includes('[exit '));
	});

	it('at 60 columns never hard-wraps a command: cut short in the app, printed whole on exit', async () => {
		session?.kill();
		session = TmuxSession.start('narrow', `${process.execPath} ${cliPath} migrate old-customer-profile new-customer-profile --batch-size 250`, {
			columns: 60, env: {FS_STORE: `local:${demo}`, FS_HOME: path.join(temp.dir, 'home'), HOME: temp.dir}, cwd: temp.dir,
		});
		await session.waitFor(text => text.includes('Estimated records'));
		session.keys('Enter');
		const asked = await session.waitFor(text => text.includes('to confirm') || text.includes('[y/n]'));
		if (asked.includes('to confirm')) session.type('new-customer-profile');
		else session.type('y');
		if (asked.includes('to confirm')) session.keys('Enter');
		const summary = await session.waitFor(text => text.includes('Migration finished'), 120_000);
		expect(summary).toContain('(printed in full when you quit)');
		session.keys('Enter');
		await session.waitFor(text => text.includes('[exit '));
		const joined = session.screen(false, true);
		const retry = joined.split('\n').find(line => line.includes('→ Retry: fs migrate'));
		expect(retry, joined).toBeDefined();
		expect(retry).toMatch(/fs migrate old-customer-profile new-customer-profile --store local:\S+ --batch-size 250 --retry-failed \S+\.jsonl --yes$/);
	});

	it('fs demo builds the store and opens the guided migration on it; ctrl-c quits cleanly', async () => {
		session?.kill();
		const fresh = path.join(temp.dir, 'fresh-demo');
		session = TmuxSession.start('demo', `${process.execPath} ${cliPath} demo --store local:${fresh}`, {env: {FS_HOME: path.join(temp.dir, 'home'), HOME: temp.dir}, cwd: temp.dir});
		const screen = await session.waitFor(text => text.includes('Pick the SOURCE feature group'), 60_000);
		expect(screen).toContain(`store local (${fresh})`);
		session.keys('C-c');
		const after = await session.waitFor(text => text.includes('[exit '));
		expect(after).toContain('[exit 0]');
		expect(after).toContain('Try next');
	});
});
