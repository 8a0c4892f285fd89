/**
 * The guided migration: pick the source, pick the target, review the diff and
 * the plan (options adjustable), confirm, watch the transfer, read the
 * summary. One exit path: the outcome is set, an effect calls exit() after
 * React has flushed.
 */
import {useEffect, useState} from 'react';
import {Box, Text, useApp, useStdout} from 'ink';
import {useKeys} from './use-keys.js';
import type {Plan} from '../../core/plan.js';
import type {FeatureGroup} from '../../core/types.js';
import type {Migration, MigrationResult} from '../../engine/migrate.js';
import {confirmationFor, type Confirmation} from '../../migration/confirmation.js';
import {draftFrom, type NewGroupDraft} from '../../migration/new-group.js';
import {Confirm} from './Confirm.js';
import {Picker, type PickerRow} from './Picker.js';
import {NewGroup} from './NewGroup.js';
import {formDefaults, Review, type Options} from './Review.js';
import {Transfer} from './Transfer.js';

export interface GroupInfo {
	group: FeatureGroup;
	row: PickerRow;
}

/** What the app needs from the outside world; tests give it a fake. */
/** What the app shows of a prepared migration (migration/prepare.ts gives all of it). */
export interface PreparedView {
	plan: Plan;
	warnings?: string[];
	confirmation?: Confirmation;
}

export interface Controller<P extends PreparedView = PreparedView> {
	/** "local (~/.fs/demo)" */
	storeLabel: string;
	groups(): Promise<GroupInfo[]>;
	/** Why `target` cannot take `source`'s data, if it cannot. */
	incompatible(source: FeatureGroup, target: FeatureGroup): string | undefined;
	prepare(source: string, target: string, options: Options): Promise<P>;
	start(prepared: P): Migration;
	/** Settle the run; the summary's lines and the error that sets the exit code. */
	finish(prepared: P, result: MigrationResult): {lines: string[]; error?: Error};
	/** A run that threw: the error as the plain command reports it (checkpoint marked failed, resume command). */
	failure?(prepared: P, error: unknown): unknown;
	/** Create the drafted group as `fs create` does and wait until it is Created; the groups then. None: no "new feature group" row. */
	createGroup?(draft: NewGroupDraft): Promise<GroupInfo[]>;
}

export type Outcome = {kind: 'quit'} | {kind: 'finished'; error?: Error} | {kind: 'failed'; error: unknown};

type Step =
	| {name: 'loading'}
	| {name: 'source'}
	| {name: 'target'; source: GroupInfo}
	| {name: 'new'; source: GroupInfo; draft: NewGroupDraft; creating?: string; problem?: string}
	| {name: 'review'; source: string; target: string}
	| {name: 'confirm'; source: string; target: string}
	| {name: 'transfer'; migration: Migration}
	| {name: 'summary'; lines: string[]; error?: Error};


export interface AppProps<P extends PreparedView> {
	controller: Controller<P>;
	initial?: {source: string; target: string};
	options?: Options;
	/** Terminal size, where the output stream cannot tell (tests). */
	size?: {columns: number; rows: number};
	/** Colour and emoji (off with NO_COLOR, --no-color). */
	color?: boolean;
	onExit(outcome: Outcome): void;
}

export function App<P extends PreparedView>({controller, initial, options: initialOptions = formDefaults, size, color = true, onExit}: AppProps<P>) {
	const {exit} = useApp();
	const {stdout} = useStdout();
	const [columns, setColumns] = useState(size?.columns ?? stdout.columns ?? 80);
	const [rows, setRows] = useState(size?.rows ?? stdout.rows ?? 24);
	const [step, setStep] = useState<Step>(initial ? {name: 'review', ...initial} : {name: 'loading'});
	const [groups, setGroups] = useState<GroupInfo[]>([]);
	const [options, setOptions] = useState(initialOptions);
	const [prepared, setPrepared] = useState<P | undefined>();
	const [problem, setProblem] = useState<string | undefined>();
	const [busy, setBusy] = useState(false);
	const [asking, setAsking] = useState(false);
	const [stopping, setStopping] = useState(false);
	const [outcome, setOutcome] = useState<Outcome | undefined>();
	/** New-group drafts left with Esc, by source: offered again, as they were. */
	const [drafts, setDrafts] = useState<Record<string, NewGroupDraft>>({});

	// Resize: re-layout, bars shrink with the width.
	useEffect(() => {
		const onResize = () => {
			setColumns(size?.columns ?? stdout.columns ?? 80);
			setRows(size?.rows ?? stdout.rows ?? 24);
		};

		stdout.on('resize', onResize);
		return () => {
			stdout.off('resize', onResize);
		};
	}, [stdout]);

	useEffect(() => {
		if (!outcome) return;
		onExit(outcome);
		exit();
	}, [outcome]);

	useEffect(() => {
		controller.groups().then(list => {
			setGroups(list);
			setStep(current => (current.name === 'loading' ? {name: 'source'} : current));
		}, error => setOutcome({kind: 'failed', error}));
	}, []);

	// (Re)make the plan whenever the pair or the options change.
	const reviewKey = step.name === 'review' ? `${step.source}→${step.target}` : '';
	useEffect(() => {
		if (step.name !== 'review') return;
		setBusy(true);
		setProblem(undefined);
		controller.prepare(step.source, step.target, options).then(next => {
			setPrepared(next);
			setBusy(false);
		}, (error: unknown) => {
			setPrepared(undefined);
			setProblem(`${(error as Error).message}${(error as {remedy?: string}).remedy ? `\n  → ${(error as {remedy?: string}).remedy}` : ''}`);
			setBusy(false);
		});
	}, [reviewKey, options]);

	useKeys((input, key) => {
		if (!(key.ctrl && input === 'c')) {
			// The question is the transfer's: a run that ended meanwhile left it unanswered.
			if (asking && step.name === 'transfer') {
				if (input === 'y' && step.name === 'transfer') {
					setAsking(false);
					setStopping(true);
					step.migration.stop();
				} else if (input === 'n' || key.escape) {
					setAsking(false);
				}
			} else if (step.name === 'summary' && (key.return || input === 'q' || key.escape)) {
				setOutcome({kind: 'finished', error: step.error});
			}

			return;
		}

		// Ctrl-C: during the transfer, ask; anywhere else, quit cleanly.
		if (step.name === 'transfer') {
			if (stopping) return;
			setAsking(true);
		} else if (step.name === 'summary') {
			setOutcome({kind: 'finished', error: step.error});
		} else {
			setOutcome({kind: 'quit'});
		}
	});

	const startTransfer = () => {
		if (!prepared) return;
		const migration = controller.start(prepared);
		setStep({name: 'transfer', migration});
		migration.run().then(result => {
			const {lines, error} = controller.finish(prepared, result);
			setAsking(false);
			setStep({name: 'summary', lines, error});
		}, (error: unknown) => setOutcome({kind: 'failed', error: controller.failure ? controller.failure(prepared, error) : error}));
	};

	// The new group: created as `fs create` does (checked first), waited for, then its plan.
	const createGroup = (source: GroupInfo, draft: NewGroupDraft) => {
		if (!controller.createGroup) return;
		setStep({name: 'new', source, draft, creating: draft.name});
		controller.createGroup(draft).then(list => {
			setGroups(list);
			setDrafts(({[source.group.FeatureGroupName]: _, ...rest}) => rest);
			setStep({name: 'review', source: source.group.FeatureGroupName, target: draft.name});
		}, (error: unknown) => {
			const remedy = (error as {remedy?: string}).remedy;
			setStep({name: 'new', source, draft, problem: `${(error as Error).message}${remedy ? ` ${remedy}` : ''}`});
		});
	};

	const stepNumber = {loading: 1, source: 1, target: 2, new: 2, review: 3, confirm: 3, transfer: 4, summary: 4}[step.name];
	const pair = step.name === 'review' || step.name === 'confirm' ? `${step.source} → ${step.target}` : prepared && (step.name === 'transfer' || step.name === 'summary') ? `${prepared.plan.source} → ${prepared.plan.target}` : '';
	const right = step.name === 'transfer' ? (stopping ? 'stopping' : 'running') : step.name === 'summary' ? 'done' : `step ${stepNumber} of 4`;
	const left = `fs migrate · ${pair ? `${pair} · ` : ''}store ${controller.storeLabel}`;
	const listHeight = Math.max(3, rows - 9);
	return (
		<Box flexDirection="column" paddingX={1} width={columns}>
			<Box justifyContent="space-between" width={columns - 2}>
				<Text bold>{left.length > columns - right.length - 4 ? `${left.slice(0, columns - right.length - 5)}…` : left}</Text>
				<Text dimColor>{right}</Text>
			</Box>
			{step.name === 'loading' && <Text dimColor>reading the feature groups…</Text>}
			{step.name === 'source' && (
				<Picker title="Pick the SOURCE feature group" rows={groups.map(info => info.row)} columns={columns - 2} height={listHeight}
					onPick={row => setStep({name: 'target', source: groups.find(info => info.group.FeatureGroupName === row.name)!})}
					onBack={() => setOutcome({kind: 'quit'})}/>
			)}
			{step.name === 'target' && (
				<Picker title={`Pick the TARGET for ${step.source.group.FeatureGroupName}`} columns={columns - 2} height={listHeight}
					rows={[
						...(controller.createGroup ? [{name: `new feature group from ${step.source.group.FeatureGroupName}'s schema`, status: '', stores: '', size: '', action: true}] : []),
						...groups.filter(info => info.group.FeatureGroupName !== step.source.group.FeatureGroupName).map(info => {
							const reason = info.row.unusable ?? controller.incompatible(step.source.group, info.group);
							return reason ? {...info.row, unusable: reason} : info.row;
						}),
					]}
					onPick={row => setStep(row.action
						? {name: 'new', source: step.source, draft: drafts[step.source.group.FeatureGroupName] ?? draftFrom(step.source.group, groups.map(info => info.group.FeatureGroupName))}
						: {name: 'review', source: step.source.group.FeatureGroupName, target: row.name})}
					onBack={() => setStep({name: 'source'})}/>
			)}
			{step.name === 'new' && (
				<NewGroup initial={step.draft} columns={columns - 2} height={rows - 2} creating={step.creating} problem={step.problem}
					onCreate={draft => createGroup(step.source, draft)}
					onBack={draft => {
						setDrafts(current => ({...current, [step.source.group.FeatureGroupName]: draft}));
						setStep({name: 'target', source: step.source});
					}}/>
			)}
			{step.name === 'review' && (
				<Review plan={prepared?.plan} color={color} height={rows - 2} columns={columns - 2} problem={problem} warnings={prepared?.warnings} options={options} busy={busy}
					onStart={() => setStep({name: 'confirm', source: step.source, target: step.target})}
					onChange={next => setOptions(next)}
					onBack={() => {
						setPrepared(undefined);
						const source = groups.find(info => info.group.FeatureGroupName === step.source);
						setStep(source ? {name: 'target', source} : {name: 'source'});
					}}/>
			)}
			{step.name === 'confirm' && prepared && (() => {
				const confirmation = prepared.confirmation ?? confirmationFor(prepared.plan);
				return (
					<Confirm question={confirmation.kind === 'yes-no' ? confirmation.question : ''}
						expected={confirmation.kind === 'type-name' ? confirmation.name : undefined} warning={confirmation.kind === 'type-name' ? confirmation.why : undefined}
						onAnswer={yes => (yes ? startTransfer() : setStep({name: 'review', source: step.source, target: step.target}))}/>
				);
			})()}
			{step.name === 'transfer' && <Transfer migration={step.migration} columns={columns - 2} asking={asking} stopping={stopping}/>}
			{step.name === 'summary' && (
				<Box flexDirection="column">
					{step.lines.map((line, index) => <Text key={index}>{line}</Text>)}
					{step.error && <Text color={(step.error as {kind?: string}).kind === 'partial' ? 'yellow' : 'red'}>{step.error.message}</Text>}
					{step.error && (step.error as {remedy?: string}).remedy && <Remedy text={(step.error as {remedy?: string}).remedy!} columns={columns}/>}
					<Text> </Text>
					<Text dimColor>enter or q to quit</Text>
				</Box>
			)}
		</Box>
	);
}

/**
 * What to do next. A command is never wrapped here (copied from a wrapped
 * frame it would break): one that does not fit is cut short, and printed
 * whole, on a line of its own, when the app exits.
 */
function Remedy({text, columns}: {text: string; columns: number}) {
	const fits = Array.from(text).length <= columns - 2;
	if (fits || !/^(Retry|Resume): (npx )?fs /.test(text)) return <Text>{text}</Text>;
	return (
		<Box flexDirection="column">
			<Text wrap="truncate-end">{text}</Text>
			<Text dimColor>(printed in full when you quit)</Text>
		</Box>
	);
}
