/**
 * The guided migration in a real terminal (tmux, 80×24) on a demo store, from
 * the pickers to the summary, then the target checked with the store itself.
 */
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {cliPath} from '../helpers/cli.js';
import {buildDemo} from '../helpers/demo.js';
import {tempDir} from '../helpers/temp.js';
import {hasTmux, TmuxSession} from '../helpers/tmux.js';

const temp = tempDir('fs-e2e-');
let demo: string;
let session: TmuxSession | undefined;

beforeAll(async () => {
	if (!hasTmux()) throw new Error('tmux is needed for the terminal test: apt-get install tmux (.ci/run does)');
	demo = await buildDemo(path.join(temp.dir, 'demo'));
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
		screen = await session.waitFor(text => text.includes('Estimated records: 30,040'));
		expect(screen).toContain('~ balance');
		expect(screen).toContain('- legacy_flag');
		expect(screen.split('\n')[0]).toContain('fs migrate');
		session.keys('Enter');
		await session.waitFor(text => text.includes('Type new-customer-profile to confirm'));
		session.type('new-customer-profile');
		session.keys('Enter');
		screen = await session.waitFor(text => text.includes('Migration finished'), 120_000);
		expect(screen).toMatch(/read\s+30,040\s+= written \+ failed \+ skipped ✓/);
		expect(screen).toMatch(/failed\s+4/);
		expect(screen).toContain('Retry: fs migrate old-customer-profile new-customer-profile');
		session.keys('Enter');
		screen = await session.waitFor(text => text.includes('[exit '));
		expect(screen).toContain('[exit 3]');

		const store = new LocalStore(demo);
		try {
			expect(await store.getRecord('new-customer-profile', 'cust_000042')).toMatchObject({customer_id: 'cust_000042', external_id: '9223372036854000042'});
			expect(await store.countOffline('new-customer-profile', {mode: 'history'})).toBe(30_036);
		} finally {
			await store.close();
		}
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
