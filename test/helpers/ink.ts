/** Waiting for a frame instead of sleeping: poll until the frame says what we expect. */
import {stripAnsi} from '../../source/ui/style.js';

export async function waitForFrame(lastFrame: () => string | undefined, predicate: (frame: string) => boolean, timeoutMs = 5000): Promise<string> {
	const started = Date.now();
	for (;;) {
		const frame = stripAnsi(lastFrame() ?? '');
		if (predicate(frame)) {
			// A frame is on screen before React runs the effects that subscribe
			// the new view to keys: let them run before the test types.
			for (let tick = 0; tick < 3; tick++) await new Promise(resolve => setImmediate(resolve));
			return frame;
		}

		if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting; last frame:\n${frame}`);
		await new Promise(resolve => setTimeout(resolve, 10));
	}
}

export const keys = {
	enter: '\r',
	escape: '\u001B',
	up: '\u001B[A',
	down: '\u001B[B',
	ctrlC: '\u0003',
	backspace: '\u007F',
	pageUp: '\u001B[5~',
	pageDown: '\u001B[6~',
};
