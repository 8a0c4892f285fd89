/**
 * DuckDB's result chunks hold native memory that is freed only when their JS
 * wrappers are garbage-collected, and V8 does not see that memory: left
 * alone, a long stream grows the process by hundreds of MB before a major GC
 * happens to run. Streams call this every few dozen chunks to keep memory
 * flat.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

let collect: (() => void) | null | undefined;

export function releaseNativeMemory(): void {
	if (collect === undefined) {
		try {
			v8.setFlagsFromString('--expose-gc');
			collect = vm.runInNewContext('gc') as () => void;
		} catch {
			collect = null;
		}
	}

	collect?.();
}
