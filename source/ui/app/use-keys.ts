/**
 * useInput with the handler of the latest render. Ink re-subscribes a new
 * handler only after the frame is on screen, so keys typed quickly (or
 * pasted) would otherwise reach the previous render's handler and act on
 * stale state. The handler also gets the raw characters of the read: Ink's
 * key parser drops backspaces and other control characters from a read that
 * holds several keys (text-input.ts takes them from `raw`).
 */
import type {EventEmitter} from 'node:events';
import {useCallback, useEffect, useRef} from 'react';
import {useInput, useStdin, type Key} from 'ink';

export type KeyHandler = (input: string, key: Key, raw: string) => void;

export function useKeys(handler: KeyHandler, options?: Parameters<typeof useInput>[1]) {
	const latest = useRef(handler);
	latest.current = handler;
	const raw = useRef('');
	// Ink's own emitter of each read's characters, listened to before useInput's handler (added first, called first).
	const {internal_eventEmitter: emitter} = useStdin() as ReturnType<typeof useStdin> & {internal_eventEmitter?: EventEmitter};
	useEffect(() => {
		if (!emitter) return;
		const capture = (data: string) => {
			raw.current = data;
		};

		emitter.on('input', capture);
		return () => {
			emitter.off('input', capture);
		};
	}, [emitter]);
	useInput(useCallback((input: string, key: Key) => latest.current(input, key, raw.current), []), options);
}
