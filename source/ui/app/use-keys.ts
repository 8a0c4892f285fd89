/**
 * useInput with the handler of the latest render. Ink re-subscribes a new
 * handler only after the frame is on screen, so keys typed quickly (or
 * pasted) would otherwise reach the previous render's handler and act on
 * stale state. The handler also gets the raw characters of the read: Ink's
 * key parser drops backspaces and other control characters from a read that
 * holds several keys (text-input.ts takes them from `raw`). Escape and a
 * control key in one read (Esc then Ctrl-C, typed quickly over SSH) are two
 * keys, not Meta+Ctrl: each goes to the handler in turn.
 */
import type {EventEmitter} from 'node:events';
import {useCallback, useEffect, useRef} from 'react';
import {useInput, useStdin, type Key} from 'ink';

export type KeyHandler = (input: string, key: Key, raw: string) => void;

const noKey: Key = {
	upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
	return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
	super: false, hyper: false, capsLock: false, numLock: false,
};

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
	useInput(useCallback((input: string, key: Key) => {
		const escaped = /^\u001B([\u0001-\u001A])$/.exec(raw.current);
		if (escaped) {
			const letter = String.fromCharCode(escaped[1]!.charCodeAt(0) + 96);
			latest.current('', {...noKey, escape: true}, '\u001B');
			latest.current(letter, {...noKey, ctrl: true}, escaped[1]!);
			return;
		}

		latest.current(input, key, raw.current);
	}, []), options);
}
