/**
 * Ctrl-C, SIGTERM and SIGHUP (a dropped SSH session) while a command runs:
 * the command is told, finishes what is in flight and stops cleanly. A second
 * signal exits at once.
 */
const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface Interruption {
	/** The signal received, once one was. */
	readonly signal: NodeJS.Signals | undefined;
	dispose(): void;
}

export function watchInterrupts(onSignal?: (signal: NodeJS.Signals) => void): Interruption {
	const state: {signal: NodeJS.Signals | undefined} = {signal: undefined};
	const handler = (signal: NodeJS.Signals) => {
		if (state.signal) process.exit(130);
		state.signal = signal;
		onSignal?.(signal);
	};

	for (const signal of signals) process.on(signal, handler);
	return {
		get signal() {
			return state.signal;
		},
		dispose() {
			for (const signal of signals) process.off(signal, handler);
		},
	};
}
