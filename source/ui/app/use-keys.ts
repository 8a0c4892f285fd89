/**
 * useInput with the handler of the latest render. Ink re-subscribes a new
 * handler only after the frame is on screen, so keys typed quickly (or
 * pasted) would otherwise reach the previous render's handler and act on
 * stale state.
 */
import {useCallback, useRef} from 'react';
import {useInput} from 'ink';

type Handler = Parameters<typeof useInput>[0];

export function useKeys(handler: Handler, options?: Parameters<typeof useInput>[1]) {
	const latest = useRef(handler);
	latest.current = handler;
	useInput(useCallback<Handler>((input, key) => latest.current(input, key), []), options);
}
