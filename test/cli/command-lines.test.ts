/**
 * Every command fs prints (the --yes hint, resume, retry, a confirmation's
 * hint) goes through a real shell and back through fs's own argument parser
 * and gives the options it was printed from: copied as printed, it does what
 * the run did.
 */
import {execFileSync} from 'node:child_process';
import {describe, expect, it} from 'vitest';
import {commandLine, parseArguments} from '../../source/cli/main.js';
import {globalFlags} from '../../source/cli/command.js';
import {clearCommand} from '../../source/commands/clear.js';
import {exportCommand} from '../../source/commands/export.js';
import {migrateCommand, optionsFromFlags} from '../../source/commands/migrate.js';
import {migrateCommandLine, migrationOptions, type MigrationOptions} from '../../source/migration/options.js';
import {resumeCommand, retryCommand} from '../../source/migration/outcome.js';
import type {Prepared} from '../../source/migration/prepare.js';

/** The words bash makes of `line`: what a user's shell hands fs. */
function shellWords(line: string): string[] {
	const out = execFileSync('bash', ['-c', `printf '%s\\0' ${line}`], {encoding: 'utf8'});
	return out.split('\0').slice(0, -1);
}

/** A printed `fs migrate …` line → the MigrationOptions fs reads from it. */
function readBack(line: string): MigrationOptions {
	const words = shellWords(line);
	expect(words.slice(0, 2)).toEqual(['fs', 'migrate']);
	const parsed = parseArguments(migrateCommand, words.slice(2));
	return optionsFromFlags({...parsed} as never);
}

const tricky: MigrationOptions = migrationOptions({
	source: 'all-customers', target: 'selected-customers',
	filter: `WHERE country = 'O''Brien land' AND note LIKE '%$HOME% "quoted" \\ back' AND n > 1`,
	batchSize: '50', workers: '3', clearTarget: true, mode: 'snapshot', failedOutput: '/tmp/failed records $(x).jsonl',
	stores: {store: 'local:/tmp/a store', sourceProfile: 'prod', targetRegion: 'eu-west-1', athenaOutput: 's3://results/fs/', athenaWorkgroup: 'team one'},
});

describe('printed commands round-trip through a shell and the argument parser', () => {
	it('the --yes hint carries every option given, quoted', () => {
		const line = migrateCommandLine(tricky, ['--yes']);
		expect(readBack(line)).toEqual(tricky);
		expect(shellWords(line).at(-1)).toBe('--yes');
	});

	it('ids files, retries, resumes, shards and write rates too', () => {
		for (const options of [
			migrationOptions({source: 'a', target: 'b', idsFile: 'ids with space.txt', batchSize: '7'}),
			migrationOptions({source: 'a', target: 'b', retryFailed: "it's failed.jsonl", workers: '2'}),
			migrationOptions({source: 'a', target: 'b', shard: '2/4', maxWriteRate: '500wu'}),
			migrationOptions({source: 'a', target: 'b', maxWriteRate: '2000'}),
			migrationOptions({source: 'a', target: 'b', resume: true, runId: '20261205T101010-abc123', stores: {sourceStore: 'local:/x', targetStore: 'sagemaker', targetProfile: 'p q'}}),
		]) expect(readBack(migrateCommandLine(options))).toEqual(options);
	});

	it('the resume and retry commands a run prints carry its batch size, workers and stores', () => {
		const prepared = {
			plan: {source: 'all-customers', target: 'selected-customers'},
			options: tricky,
			storeNamed: true,
			source: {handle: {kind: 'local', dir: '/tmp/a store'}},
			target: {handle: {kind: 'local', dir: '/tmp/a store'}},
			checkpoint: {runId: '20261205T101010-abc123', failedFile: '/tmp/failed records $(x).jsonl'},
		} as unknown as Prepared;
		const resume = readBack(resumeCommand(prepared));
		expect(resume).toMatchObject({source: tricky.source, target: tricky.target, resume: true, runId: '20261205T101010-abc123', stores: tricky.stores});
		const retry = readBack(retryCommand(prepared));
		expect(retry).toMatchObject({retryFailed: '/tmp/failed records $(x).jsonl', batchSize: 50, workers: 3, stores: tricky.stores, clearTarget: false});
		expect(retry.filter).toBeUndefined();
	});

	it('a confirmation hint (fs clear) repeats the flags given, none defaulted', () => {
		const argv = ['customer history', '--online-only', '--store', 'local:/tmp/a store', '--no-color'];
		const parsed = parseArguments(clearCommand, argv);
		const line = commandLine('clear', parsed.input, parsed.flags, parsed.given, {...globalFlags, ...clearCommand.flags}, ['--yes']);
		const words = shellWords(line);
		const again = parseArguments(clearCommand, words.slice(2));
		expect(again.input).toEqual(['customer history']);
		expect(again.flags).toEqual({...parsed.flags, yes: true});
		expect([...again.given].sort()).toEqual([...parsed.given, 'yes'].sort());
		expect(words).not.toContain('--dry-run');
	});

	it('lists and numbers keep their values (fs export)', () => {
		const parsed = parseArguments(exportCommand, ['g', '-', '--columns', 'a,b', '--limit', '0', '--where', "WHERE a = 'x y'"]);
		const line = commandLine('export', parsed.input, parsed.flags, parsed.given, {...globalFlags, ...exportCommand.flags});
		expect(parseArguments(exportCommand, shellWords(line).slice(2)).flags).toEqual(parsed.flags);
	});
});
