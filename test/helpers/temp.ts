import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import path from 'node:path';

/** A fresh temporary directory and a function that removes it. */
export function tempDir(prefix = 'fs-test-'): {dir: string; remove(): void} {
	const dir = mkdtempSync(path.join(tmpdir(), prefix));
	return {dir, remove: () => rmSync(dir, {recursive: true, force: true})};
}
