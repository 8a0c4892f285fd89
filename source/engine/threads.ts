/**
 * The workers' threads: started with their input and ready (their target
 * store open) before any row is sent; stopped once their writes are done,
 * each closing its store first.
 */
import {Worker} from 'node:worker_threads';
import {runtimeError} from '../core/errors.js';
import type {ToMain, ToWorker} from './protocol.js';
import type {WorkerInput} from './worker.js';

export async function startWorkers(inputs: WorkerInput[]): Promise<Worker[]> {
	const workers = inputs.map(workerData => new Worker(new URL('worker.js', import.meta.url), {workerData}));
	await Promise.all(workers.map(worker => new Promise<void>((resolve, reject) => {
		const onMessage = (message: ToMain) => {
			if (message.type === 'ready') {
				worker.off('message', onMessage);
				resolve();
			} else if (message.type === 'fatal') {
				reject(runtimeError(`A worker could not start: ${message.message}`, 'Check that the target store can be opened.'));
			}
		};

		worker.on('message', onMessage);
		worker.once('error', reject);
	})));
	return workers;
}

export async function stopWorkers(workers: Worker[], interrupted: boolean) {
	await Promise.all(workers.map(worker => new Promise<void>(resolve => {
		const onMessage = (message: ToMain) => {
			if (message.type === 'closed') {
				worker.off('message', onMessage);
				resolve();
			}
		};

		worker.on('message', onMessage);
		worker.once('exit', () => resolve());
		worker.postMessage({type: 'stop', interrupted} satisfies ToWorker);
	})));
	await Promise.all(workers.map(async worker => worker.terminate()));
}
