import {homedir} from 'node:os';
import path from 'node:path';
import {defineCommand} from '../cli/command.js';
import {watchInterrupts} from '../cli/signals.js';
import {runtimeError, usageError} from '../core/errors.js';
import {parseStoreSpec} from '../stores/open.js';

export const emulatorCommand = defineCommand({
	name: 'emulator',
	summary: 'serve a local store over the AWS APIs, for the AWS SDK and CLI',
	args: [0, 0],
	makesStore: true,
	flags: {
		port: {type: 'integer', default: 4566, min: 0, max: 65_535},
		host: {type: 'string', default: '127.0.0.1'},
		latencyMs: {type: 'integer', default: 0, min: 0, max: 600_000},
		throttleRate: {type: 'rate', default: 0},
		errorRate: {type: 'rate', default: 0},
		partialRate: {type: 'rate', default: 0},
		seed: {type: 'integer', default: 1, min: 0, max: 2 ** 32 - 1},
		athenaOutput: {type: 'string'},
		createDelayMs: {type: 'integer', default: 0, min: 0, max: 86_400_000},
		discardWrites: {type: 'boolean', default: false},
	},
	help: `
Usage
  fs emulator [--port N] [--store local:DIR] [--latency-ms N]
              [--throttle-rate R] [--error-rate R] [--partial-rate R] [--seed N]
              [--athena-output s3://bucket/prefix] [--create-delay-ms N] [--discard-writes]

Serves an embedded store (--store local:DIR, default ~/.fs/emulator) over the
AWS APIs fs uses — SageMaker (feature groups), SageMaker Feature Store Runtime,
Athena and S3 — on one local endpoint. Point any AWS SDK v3 client or the AWS
CLI at it with the variables it prints (S3 needs path-style addressing).
Signatures are not checked, but requests must be signed (any credentials do)
and are refused from web pages (an Origin header, or a Host that is not this
address). Serves until Ctrl-C or SIGTERM.

Options
  --port N              port to listen on (default 4566; 0 picks a free one)
  --host HOST           address to listen on (default 127.0.0.1)
  --latency-ms N        delay added to every request
  --throttle-rate R     share of requests (0..1) answered ThrottlingException
  --error-rate R        share of requests (0..1) answered with a 500
  --partial-rate R      share of BatchWriteRecord entries (and BatchGetRecord
                        identifiers) returned unprocessed, not written
  --seed N              seed of the fault streams (repeatable runs)
  --athena-output URI   the primary workgroup's query result location
  --create-delay-ms N   how long a new feature group stays Creating
  --discard-writes      acknowledge record writes (PutRecord, BatchWriteRecord,
                        DeleteRecord) without storing them: measures how fast a
                        client drives the API (npm run bench); reads see nothing
                        of them. On Ctrl-C, prints the records and write units

Examples
  fs emulator --store local:/tmp/fs-emu --athena-output s3://athena-results/fs
  fs emulator > emulator.env &    # then: . ./emulator.env; fs list --store sagemaker
  fs emulator --throttle-rate 0.05 --partial-rate 0.1 --seed 7`,
	async run(context) {
		const {flags, io} = context;
		const {port, latencyMs, createDelayMs, seed, throttleRate, errorRate, partialRate, athenaOutput} = flags;
		if (athenaOutput !== undefined && !/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/.test(athenaOutput)) {
			throw usageError(`--athena-output must be an s3://bucket/prefix URI, got ${JSON.stringify(athenaOutput)}.`, 'Pass e.g. --athena-output s3://athena-results/fs.');
		}

		const spec = parseStoreSpec(flags.store, io.env);
		const dir = spec.kind === 'local' ? spec.dir : path.join(io.env['HOME'] ?? homedir(), '.fs', 'emulator');
		// Loaded here: the server pulls in DuckDB, which no other command should pay for at startup.
		const {startEmulator} = await import('../emulator/server.js');
		const emulator = await startEmulator({
			dir, port, host: flags.host, latencyMs, throttleRate, errorRate, partialRate, seed, athenaOutput, createDelayMs, discardWrites: flags.discardWrites,
			log: line => context.note(line),
		}).catch(error => {
			if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
				throw runtimeError(`Port ${port} is already in use.`, 'Pick another with --port N, or --port 0 for any free port.', 'AddressInUse');
			}

			throw error;
		});
		const {region} = emulator.store.meta;
		const env = {AWS_ENDPOINT_URL: emulator.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: region, AWS_DEFAULT_REGION: region};
		let stop!: () => void;
		const stopped = new Promise<void>(resolve => {
			stop = resolve;
		});
		const interrupts = watchInterrupts(() => stop());
		try {
			if (flags.json === true) context.print(JSON.stringify({url: emulator.url, store: dir, env}));
			else context.print(`export ${Object.entries(env).map(([name, value]) => `${name}=${value}`).join(' ')}`);
			const faults = [throttleRate && `throttle ${throttleRate}`, errorRate && `errors ${errorRate}`, partialRate && `partial ${partialRate}`, latencyMs && `latency ${latencyMs} ms`, flags.discardWrites && 'writes discarded'].filter(Boolean);
			context.note(context.errStyle.dim(`fs emulator on ${emulator.url} · store local (${dir}) · ${faults.length > 0 ? faults.join(', ') : 'no faults'} · Ctrl-C stops`));
			if (!athenaOutput) context.note(context.errStyle.dim('Athena has no default result location: pass --athena-output s3://bucket/prefix or set ResultConfiguration per query.'));
			await stopped;
			const {records, writeUnits} = emulator.writes();
			context.note(context.errStyle.dim(`fs emulator: ${records.toLocaleString('en-US')} records written${flags.discardWrites ? ' (discarded)' : ''}, ${writeUnits.toLocaleString('en-US')} write units as the service bills them`));
		} finally {
			interrupts.dispose();
			await emulator.close();
		}
	},
});
