/**
 * The failed-records file as a resumed run finds it. A line is written before
 * the checkpoint moves past its row, so a run that died in between wrote
 * lines for rows its resume does again: those lines go (the resume writes
 * them anew), and so does any line written twice for one row. Lines of other
 * runs, and lines a user added, stay as they are.
 */
import {once} from 'node:events';
import {createReadStream, createWriteStream, existsSync, renameSync, rmSync} from 'node:fs';
import {createInterface} from 'node:readline';
import type {FailedLine} from './protocol.js';

export async function trimFailedFile(file: string, runId: string, positions: number[]): Promise<void> {
	if (!existsSync(file)) return;
	const temporary = `${file}.resume-${process.pid}`;
	const out = createWriteStream(temporary);
	const seen = new Set<string>();
	let dropped = 0;
	try {
		for await (const text of createInterface({input: createReadStream(file), crlfDelay: Infinity})) {
			let line: Partial<FailedLine> | undefined;
			try {
				line = JSON.parse(text) as Partial<FailedLine>;
			} catch {}

			if (line?.run === runId && typeof line.partition === 'number' && typeof line.position === 'number') {
				const key = `${line.partition}/${line.position}`;
				if (line.position >= (positions[line.partition] ?? 0) || seen.has(key)) {
					dropped++;
					continue;
				}

				seen.add(key);
			}

			if (!out.write(`${text}\n`)) await once(out, 'drain');
		}

		out.end();
		await once(out, 'close');
	} catch (error) {
		out.destroy();
		rmSync(temporary, {force: true});
		throw error;
	}

	if (dropped === 0) {
		rmSync(temporary, {force: true});
		return;
	}

	renameSync(temporary, file);
}
