/**
 * Run the built `fs` as a user would: a child process, with its exit code,
 * stdout and stderr. `npm test` builds first.
 */
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {availableParallelism} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const cliPath = path.join(root, 'dist/source/cli.js');

export interface Run {
	code: number | null;
	signal: NodeJS.Signals | null;
	stdout: string;
	stderr: string;
}

export interface RunOptions {
	env?: Record<string, string | undefined>;
	input?: string;
	cwd?: string;
}

export function runFs(args: string[], options: RunOptions = {}): Promise<Run> {
	return startFs(args, options).done;
}

/** `fs` started in the background: its pid (to signal it) and its end. */
export function startFs(args: string[], options: RunOptions = {}): {pid: number; done: Promise<Run>} {
	if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build (npm test does)`);
	const child = spawn(process.execPath, [cliPath, ...args], {
		cwd: options.cwd ?? root,
		env: {...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, FS_STORE: undefined, ...options.env},
		stdio: ['pipe', 'pipe', 'pipe'],
	});
	let stdout = '';
	let stderr = '';
	child.stdout.setEncoding('utf8').on('data', chunk => {
		stdout += chunk;
	});
	child.stderr.setEncoding('utf8').on('data', chunk => {
		stderr += chunk;
	});
	const done = new Promise<Run>((resolve, reject) => {
		child.on('error', reject);
		child.on('close', (code, signal) => resolve({code, signal, stdout, stderr}));
	});
	child.stdin.end(options.input ?? '');
	return {pid: child.pid!, done};
}

/** Wait for a file to appear (a run reaching its hold point, FS_TEST_HOLD_AT): the wait is not the assertion. */
export async function appears(file: string, run: {done: Promise<Run>}) {
	let ended: Run | undefined;
	void run.done.then(result => {
		ended = result;
	});
	const started = Date.now();
	while (!existsSync(file)) {
		if (ended) throw new Error(`the run ended before ${file}: ${ended.stderr}`);
		if (Date.now() - started > 60_000) throw new Error(`${file} never appeared`);
		await new Promise(resolve => setTimeout(resolve, 20));
	}
}

/** runFs bound to one store. */
export const fsWith = (store: string, env: Record<string, string | undefined> = {}) =>
	(args: string[], options: RunOptions = {}) => runFs(args, {...options, env: {FS_STORE: store, ...env, ...options.env}});

/** Workers a migration into the embedded store runs: at most one per core of this machine. */
export const localWorkers = (asked: number) => Math.min(asked, availableParallelism());

/** The plan's workers line for an embedded target. */
export function localWorkersLine(asked: number): string {
	const used = localWorkers(asked);
	return used < asked ? `Workers: ${used} (--max-workers ${asked}; one per CPU core writing the embedded store)` : `Workers: ${asked}`;
}
