/**
 * Filters that would reach beyond the feature group on the embedded store,
 * through `fs migrate --filter-query` (plan, dry-run, run) and `fs export
 * --where`: exit 2, no file written, nothing of another file shown.
 */
import {existsSync, mkdirSync, rmSync, writeFileSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {LocalStore} from '../../source/stores/local/index.js';
import {fsWith} from '../helpers/cli.js';
import {tempDir} from '../helpers/temp.js';

const temp = tempDir('fs-filter-cli-');
const storeDir = path.join(temp.dir, 'store');
const fs = fsWith(`local:${storeDir}`, {FS_HOME: path.join(temp.dir, 'home')});
const at = (name: string) => path.join(temp.dir, name);
const secret = `TOPSECRET-${process.pid}-${Date.now()}`;
const secretFile = at('secret.csv');
const secretText = at('secret.txt');
const written = (name: string) => path.join(temp.dir, 'written', name);

beforeAll(async () => {
	mkdirSync(path.join(temp.dir, 'written'));
	writeFileSync(secretFile, `name\n${secret}\n`);
	writeFileSync(secretText, secret);
	writeFileSync(at('schema.json'), JSON.stringify([
		{FeatureName: 'id', FeatureType: 'String'},
		{FeatureName: 'event_time', FeatureType: 'String'},
		{FeatureName: 'n', FeatureType: 'Integral'},
	]));
	for (const name of ['source', 'target']) expect((await fs(['create', name, '--schema-file', at('schema.json')])).code).toBe(0);
	writeFileSync(at('rows.csv'), 'id,event_time,n\na,2024-01-01T00:00:00Z,1\nb,2024-01-01T00:00:01Z,2\n');
	expect((await fs(['bulk-put', 'source', at('rows.csv')])).code).toBe(0);
});
afterAll(() => temp.remove());

// Each passes the first look at the flag's text (core/filter) but the first and the last.
const attacks: Array<[string, string, string?]> = [
	['a COPY after a dollar-quoted string', `WHERE id = $$'$$)); COPY (SELECT 1) TO $$${written('dollar.csv')}$$; SELECT (($$'$$`, 'dollar.csv'],
	['a COPY after an escape string', `WHERE id = E'\\'')); COPY (SELECT 1) TO E'${written('escape.csv')}'; SELECT ((E'\\''`, 'escape.csv'],
	['an ATTACH after a dollar-quoted string', `WHERE id = $$'$$)); ATTACH $$${written('attached.db')}$$ AS other; SELECT (($$'$$`, 'attached.db'],
	['a replacement scan of a file', `WHERE id IN (SELECT name FROM '${secretFile}')`],
	['a replacement scan whose value an error would show', `WHERE CAST((SELECT name FROM '${secretFile}') AS INT) = 1`],
	['read_text by a quoted name, its value in an error', `WHERE CAST((SELECT content FROM "read_text"('${secretText}')) AS INT) = 1`],
	['read_text', `WHERE EXISTS (SELECT * FROM read_text('${secretText}'))`],
	['a COPY after a ;', `WHERE id = 'a'; COPY (SELECT 1) TO '${written('plain.csv')}'`, 'plain.csv'],
];

describe.each([
	['fs migrate --dry-run --filter-query', (where: string) => ['migrate', 'source', 'target', '--dry-run', '--filter-query', where]],
	['fs migrate --filter-query --yes', (where: string) => ['migrate', 'source', 'target', '--yes', '--filter-query', where]],
	['fs export --where', (where: string) => ['export', 'source', at('export.csv'), '--where', where]],
])('%s', (_command, args) => {
	it.each(attacks)('refuses %s: exit 2, nothing written or shown', async (_label, where, file) => {
		// What an earlier attack left must not fail this one.
		rmSync(at('export.csv'), {force: true});
		const result = await fs(args(where));
		expect(result.code).toBe(2);
		expect(result.stderr).toMatch(/✘ [\s\S]*→ /);
		expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
		if (file) expect(existsSync(written(file))).toBe(false);
		expect(existsSync(at('export.csv'))).toBe(false);
	});
});

it('left the target empty and still runs a plain condition', async () => {
	const store = new LocalStore(storeDir);
	try {
		expect(await store.countOffline('target', {mode: 'history'})).toBe(0);
	} finally {
		await store.close();
	}

	const result = await fs(['export', 'source', '-', '--where', 'WHERE id IN (\'b\', \'x;--\')']);
	expect(result.code).toBe(0);
	expect(result.stdout).toBe('id,event_time,n\nb,2024-01-01T00:00:01Z,2\n');
});
