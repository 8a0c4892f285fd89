/** Running `fs` as a child process and reading its time and peak RSS. */
import {spawn} from 'node:child_process';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Measured {
	maxRssMb: number;
	seconds: number;
	/** CPU-seconds of the whole process, all its threads. */
	cpuSeconds: number;
	code: number;
	/** stdout, parsed, when the command printed JSON (--json). */
	json?: {result?: {recordsPerSecond: number}};
}

/**
 * `fs args` in a child process, its time and peak RSS. `root`: another
 * checkout of fs, built (a baseline to compare with); default this one.
 */
export function measure(args: string[], env: Record<string, string> = {}, root?: string): Promise<Measured> {
	const rss = root === undefined ? path.join(here, 'rss.js') : path.join(root, 'dist', 'bench', 'rss.js');
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [rss, ...args], {env: {...process.env, NO_COLOR: '1', ...env}, stdio: ['ignore', 'pipe', 'pipe']});
		let stdout = '';
		child.stdout.on('data', chunk => {
			stdout += chunk;
		});
		let stderr = '';
		child.stderr.on('data', chunk => {
			stderr += chunk;
		});
		child.on('error', reject);
		child.on('close', () => {
			const last = stderr.trim().split('\n').at(-1) ?? '';
			try {
				const measured = JSON.parse(last) as Measured;
				try {
					measured.json = JSON.parse(stdout) as Measured['json'];
				} catch {}

				resolve(measured);
			} catch {
				reject(new Error(`fs ${args.join(' ')} failed:\n${stderr}`));
			}
		});
	});
}

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

