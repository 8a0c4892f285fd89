/**
 * Injected faults, for testing how callers cope: a share of write entries is
 * left unprocessed (as under throttling) or refused with a non-retryable
 * error. Set for the embedded store with FS_LOCAL_FAULTS, e.g.
 * "throttle=0.2,error=0.01,seed=7"; the emulator takes the same settings
 * as flags.
 */
import {usageError} from '../core/errors.js';

export interface FaultSettings {
	/** Share of entries left unprocessed. */
	throttle: number;
	/** Share of entries refused with ErrorCode InjectedFault. */
	error: number;
	seed: number;
}

export function parseFaults(text: string | undefined): FaultSettings | undefined {
	if (!text) return undefined;
	const settings: FaultSettings = {throttle: 0, error: 0, seed: 1};
	for (const part of text.split(',')) {
		const [key, value] = part.split('=').map(item => item.trim());
		const number = Number(value);
		if (!(key === 'throttle' || key === 'error' || key === 'seed') || value === undefined || !Number.isFinite(number) || number < 0 || (key !== 'seed' && number > 1)) {
			throw usageError(`FS_LOCAL_FAULTS has ${JSON.stringify(part)}.`, 'Write it as throttle=RATE,error=RATE,seed=N with rates from 0 to 1.');
		}

		settings[key] = number;
	}

	return settings;
}

export type Fault = 'throttle' | 'error' | undefined;

/** A deterministic sequence of faults (mulberry32 over the seed). */
export function faultSource(settings: FaultSettings): () => Fault {
	let state = settings.seed >>> 0;
	return () => {
		state = (state + 0x6D2B79F5) >>> 0;
		let t = state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		const roll = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
		if (roll < settings.throttle) return 'throttle';
		if (roll < settings.throttle + settings.error) return 'error';
		return undefined;
	};
}
