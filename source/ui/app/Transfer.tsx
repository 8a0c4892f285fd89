/**
 * Step 4: one bar per worker and an overall bar, redrawn from the engine's
 * shared counters twice a second — never an update per record (the main
 * thread feeds the workers, so every frame costs throughput). Lines
 * that scroll away (phases, warnings) go above through <Static>.
 */
import {useEffect, useRef, useState} from 'react';
import {Box, Static, Text} from 'ink';
import Spinner from 'ink-spinner';
import type {Migration} from '../../engine/migrate.js';
import type {WorkerProgress} from '../../engine/progress.js';
import {count, duration, eta, percent} from '../../core/format.js';
import {bar, barWidth} from './bars.js';

export interface TransferProps {
	migration: Migration;
	columns: number;
	/** The stop question is showing (after Ctrl-C). */
	asking: boolean;
	stopping: boolean;
	frameMs?: number;
}

interface Frame {
	workers: WorkerProgress[];
	rates: number[];
	done: number;
	/** Rows of bulk loads under way (not written yet). */
	inFlight: number;
	failed: number;
	retries: number;
	elapsed: number;
	rate: number;
}

export function Transfer({migration, columns, asking, stopping, frameMs = 500}: TransferProps) {
	const [frame, setFrame] = useState<Frame>(() => read(migration, []));
	const [lines, setLines] = useState<Array<{id: number; text: string}>>([]);
	/** The phase under way (clearing, reading the source, transferring, verifying): a live line with a spinner. */
	const [phase, setPhase] = useState<string | undefined>(migration.phase);
	const previous = useRef<{at: number; records: number[]}>({at: Date.now(), records: []});
	const lastStates = useRef<string[]>([]);
	useEffect(() => {
		const timer = setInterval(() => {
			const now = Date.now();
			const workers = migration.board.all();
			const seconds = Math.max(0.001, (now - previous.current.at) / 1000);
			// Rows in a bulk load under way count for the rate: it moves while a load is in flight.
			const moved = workers.map(worker => worker.records + worker.inFlight);
			const rates = moved.map((rows, index) => (rows - (previous.current.records[index] ?? 0)) / seconds);
			if (now - previous.current.at >= 1000) previous.current = {at: now, records: moved};
			setFrame(current => read(migration, rates.map((rate, index) => (current.rates[index] ?? rate) * 0.7 + rate * 0.3)));
			// A worker that starts backing off gets a line that scrolls away.
			const entered = workers.flatMap((worker, index) => (worker.state === 'backing off' && lastStates.current[index] !== 'backing off' ? [index] : []));
			lastStates.current = workers.map(worker => worker.state);
			if (entered.length > 0) {
				setLines(current => [...current, ...entered.map((index, offset) => ({id: current.length + offset, text: `⚠ worker ${index + 1} throttled: backing off (retries so far: ${workers[index]!.retries})`}))]);
			}
		}, frameMs);
		// The phase before goes above, done; the new one is the live line.
		// A phase entered before this view subscribed (the run starts as it mounts) is the live one.
		let shown: string | undefined = migration.phase;
		if (shown) setPhase(shown);
		const onPhase = (text: string) => {
			const done = shown;
			if (done) setLines(current => [...current, {id: current.length, text: `✓ ${done}`}]);
			shown = text;
			setPhase(text);
		};
		migration.on('phase', onPhase);
		return () => {
			clearInterval(timer);
			migration.off('phase', onPhase);
		};
	}, [migration, frameMs]);

	const total = migration.expected;
	const share = total / Math.max(1, frame.workers.length);
	const width = barWidth(columns, 44);
	// Before the snapshot is taken there is no total: not "0 / 0 100%".
	// Before the run names a phase, or while it clears and reads, there is no total either.
	const counting = phase !== 'transferring' && phase !== 'verifying' && total === 0;
	return (
		<Box flexDirection="column">
			<Static items={lines}>{line => <Text key={line.id} dimColor={!line.text.startsWith('⚠')} color={line.text.startsWith('⚠') ? 'yellow' : undefined}>{line.text}</Text>}</Static>
			{phase && phase !== 'transferring' && <Text><Text color="cyan"><Spinner type="dots"/></Text> {phase}…</Text>}
			{frame.workers.map((worker, index) => (
				<Text key={index}>
					{`worker ${String(index + 1).padEnd(2)} `}<Text color="green">{counting ? bar(0, 1, width) : bar(worker.records + worker.failed, share, width, worker.inFlight)}</Text>
					{` ${count(worker.records).padStart(9)} ${`${count(frame.rates[index] ?? 0)}/s`.padStart(9)}  `}
					<Text color={worker.state === 'backing off' || worker.state === 'retrying' ? 'yellow' : undefined}>{worker.state}</Text>
				</Text>
			))}
			<Text> </Text>
			<Text>
				{'total     '}<Text color="cyan">{bar(counting ? 0 : frame.done, counting ? 1 : total, width, frame.inFlight)}</Text>
				{counting ? ' counting the rows to copy…' : ` ${count(frame.done)} / ${count(total)}  ${percent(frame.done, total)}`}
			</Text>
			<Text>
				{'          '}{count(frame.rate)} rec/s · ETA {counting ? '—' : eta(total - frame.done - frame.inFlight, frame.rate)} · elapsed {duration(frame.elapsed)} · <Text color={frame.failed ? 'red' : undefined}>failed {count(frame.failed)}</Text> · retries {count(frame.retries)}
			</Text>
			<Text> </Text>
			{asking
				? <Text color="yellow">Stop the migration? Batches in flight finish and the checkpoint is saved. [y/n]</Text>
				: <Text dimColor>{stopping ? 'stopping: finishing the batches in flight…' : 'ctrl-c stop (resumable)'}</Text>}
		</Box>
	);
}

function read(migration: Migration, rates: number[]): Frame {
	const workers = migration.board.all();
	const elapsed = (Date.now() - migration.startedAt) / 1000;
	const {done, moved, failed} = migration.progress;
	const {retries, inFlight} = migration.board.sums(workers);
	return {
		workers,
		rates,
		done,
		inFlight,
		failed,
		retries,
		elapsed,
		rate: (moved + inFlight) / Math.max(elapsed, 0.001),
	};
}
