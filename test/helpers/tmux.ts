/**
 * Driving a program in a real terminal: tmux with send-keys and capture-pane.
 */
import {execFileSync} from 'node:child_process';

export const hasTmux = () => {
	try {
		execFileSync('tmux', ['-V'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
};

export class TmuxSession {
	constructor(readonly name: string, private readonly socket: string) {}

	static start(name: string, command: string, {columns = 80, rows = 24, env = {}, cwd}: {columns?: number; rows?: number; env?: Record<string, string>; cwd?: string} = {}): TmuxSession {
		const socket = `fs-test-${process.pid}-${name}`;
		const exports = Object.entries(env).map(([key, value]) => `${key}=${JSON.stringify(value)}`).join(' ');
		execFileSync('tmux', ['-L', socket, '-f', '/dev/null', 'new-session', '-d', ...(cwd ? ['-c', cwd] : []), '-s', name, '-x', String(columns), '-y', String(rows), `env -u CI -u NO_COLOR -u FORCE_COLOR ${exports} TERM=xterm-256color ${command}; echo "[exit $?]"; sleep 600`]);
		return new TmuxSession(name, socket);
	}

	keys(...keys: string[]) {
		execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, ...keys]);
	}

	/** Literal text, typed. */
	type(text: string) {
		execFileSync('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, '-l', text]);
	}

	/** The screen; `joined`: lines the terminal wrapped (not the program) joined again, as a copy gets them. */
	screen(withEscapes = false, joined = false): string {
		return execFileSync('tmux', ['-L', this.socket, 'capture-pane', '-p', ...(withEscapes ? ['-e'] : []), ...(joined ? ['-J', '-S', '-200'] : []), '-t', this.name], {encoding: 'utf8'});
	}

	async waitFor(predicate: (screen: string) => boolean, timeoutMs = 30_000): Promise<string> {
		const started = Date.now();
		for (;;) {
			const screen = this.screen();
			if (predicate(screen)) return screen;
			if (Date.now() - started > timeoutMs) throw new Error(`timed out; the screen:\n${screen}`);
			await new Promise(resolve => setTimeout(resolve, 50));
		}
	}

	kill() {
		try {
			execFileSync('tmux', ['-L', this.socket, 'kill-server'], {stdio: 'ignore'});
		} catch {}
	}
}
