/**
 * A demo store built once per test file with the real `fs demo`, copied for
 * each test that changes it.
 */
import {cpSync} from 'node:fs';
import path from 'node:path';
import {runFs} from './cli.js';

export async function buildDemo(dir: string, customers?: number): Promise<string> {
	const result = await runFs(['demo', '--store', `local:${dir}`, ...(customers === undefined ? [] : ['--customers', String(customers)])]);
	if (result.code !== 0) throw new Error(`fs demo failed: ${result.stderr}`);
	return dir;
}

export function copyStore(from: string, to: string): string {
	cpSync(from, to, {recursive: true});
	return to;
}

export const storeFlag = (dir: string) => `local:${path.resolve(dir)}`;
