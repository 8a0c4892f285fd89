/**
 * `npm run screens`: runs the guided migration for real in tmux at 80×24 on a
 * fresh demo store and saves the picker, the diff and plan, the transfer and
 * the summary as SVG pictures of the terminal in media/.
 */
import {execFileSync} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {ansiToSvg} from './ansi-svg.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/source/cli.js');
const work = mkdtempSync(path.join(tmpdir(), 'fs-screens-'));
const socket = `fs-screens-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], {encoding: 'utf8'});
const screen = () => tmux('capture-pane', '-p', '-e', '-t', 'screens');
const plain = () => tmux('capture-pane', '-p', '-t', 'screens');

async function waitFor(text: string, timeoutMs = 60_000) {
	const started = Date.now();
	while (!plain().includes(text)) {
		if (Date.now() - started > timeoutMs) throw new Error(`"${text}" never showed:\n${plain()}`);
		await new Promise(resolve => setTimeout(resolve, 50));
	}
}

function save(name: string, title: string) {
	writeFileSync(path.join(root, 'media', `${name}.svg`), ansiToSvg(screen(), {columns: 80, rows: 24, title}));
	console.log(`media/${name}.svg`);
}

try {
	const store = `local:${path.join(work, 'demo')}`;
	execFileSync(process.execPath, [cli, 'demo', '--store', store], {stdio: 'ignore'});
	const env = `-u CI -u NO_COLOR FS_STORE=${store} FS_HOME=${path.join(work, 'home')} TERM=xterm-256color`;
	tmux('new-session', '-d', '-s', 'screens', '-x', '80', '-y', '24', '-c', work, `env ${env} ${process.execPath} ${cli} migrate --batch-size 20; sleep 600`);
	await waitFor('Pick the SOURCE');
	tmux('send-keys', '-t', 'screens', '-l', 'cust');
	await waitFor('filter: cust');
	save('picker', 'fs migrate — pick the source');
	tmux('send-keys', '-t', 'screens', 'BSpace', 'BSpace', 'BSpace', 'BSpace');
	tmux('send-keys', '-t', 'screens', '-l', 'old-customer');
	await waitFor('filter: old-customer');
	tmux('send-keys', '-t', 'screens', 'Enter');
	await waitFor('Pick the TARGET');
	tmux('send-keys', '-t', 'screens', '-l', 'new-customer');
	await waitFor('filter: new-customer');
	tmux('send-keys', '-t', 'screens', 'Enter');
	await waitFor('Estimated records');
	save('review', 'fs migrate — schema diff and plan');
	tmux('send-keys', '-t', 'screens', 'Enter');
	await waitFor('to confirm');
	tmux('send-keys', '-t', 'screens', '-l', 'new-customer-profile');
	tmux('send-keys', '-t', 'screens', 'Enter');
	await waitFor('rec/s · ETA');
	await waitFor('%');
	const started = Date.now();
	// A frame with work done but not finished.
	while (!/\s([2-8]\d)\.\d%/.test(plain()) && Date.now() - started < 30_000) await new Promise(resolve => setTimeout(resolve, 20));
	save('transfer', 'fs migrate — transfer');
	await waitFor('Migration finished', 120_000);
	save('summary', 'fs migrate — summary');
} finally {
	try {
		tmux('kill-server');
	} catch {}

	rmSync(work, {recursive: true, force: true});
}
