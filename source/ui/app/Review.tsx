/**
 * Step 3: the schema diff and the plan, with the options adjustable before
 * confirming (e: edit; batch size, workers, filter, clear target, mode).
 */
import {useState} from 'react';
import {Box, Text} from 'ink';
import {migrationDefaults} from '../../migration/options.js';
import {editText, useTyped} from './text-input.js';
import {useKeys} from './use-keys.js';
import {compactPlanLines, type Plan} from '../../core/plan.js';
import {diffLines} from '../diff.js';
import {makeStyle} from '../style.js';

export interface Options {
	batchSize: string;
	workers: string;
	filter: string;
	clearTarget: boolean;
	mode: '' | 'history' | 'snapshot';
}

/** The form's starting values: the migration's defaults, as text. */
export const formDefaults: Options = {batchSize: String(migrationDefaults.batchSize), workers: String(migrationDefaults.workers), filter: '', clearTarget: false, mode: ''};

export interface ReviewProps {
	plan?: Plan;
	/** Colour and emoji (off with NO_COLOR, --no-color). */
	color?: boolean;
	/** Why the plan could not be made (bad option, incompatible schema). */
	problem?: string;
	/** What prepare says the operator should read (an interrupted run exists, say). */
	warnings?: string[];
	options: Options;
	busy: boolean;
	onStart(): void;
	onChange(options: Options): void;
	onBack(): void;
}


export function Review({plan, color = true, problem, warnings = [], options, busy, onStart, onChange, onBack}: ReviewProps) {
	const [editing, setEditing] = useState(false);
	useKeys((input, key) => {
		if (editing || busy) return;
		if (key.return && plan && !problem) onStart();
		else if (input === 'e') setEditing(true);
		else if (key.escape) onBack();
	});

	if (editing) {
		return <OptionsForm options={options} onDone={next => {
			setEditing(false);
			if (next) onChange(next);
		}}/>;
	}

	return (
		<Box flexDirection="column">
			{plan && (
				<>
					<Text bold>Schema</Text>
					{diffLines(plan.compatibility, makeStyle(color)).map((line, index) => <Text key={index}>{line}</Text>)}
					{plan.compatibility.warnings.filter(warning => !/left empty|dropped/.test(warning)).map(warning => <Text key={warning} color="yellow">⚠ {warning}</Text>)}
					<Text> </Text>
					{compactPlanLines(plan, {emoji: color}).map(line => <Text key={line} wrap="truncate-end">{line}</Text>)}
				</>
			)}
			{!busy && !problem && warnings.map((warning, index) => <Text key={index} color="yellow">⚠ {warning}</Text>)}
			{busy && <Text dimColor>counting the records…</Text>}
			{problem && <Text color="red">✘ {problem}</Text>}
			<Text> </Text>
			<Text dimColor>{plan && !problem ? 'enter start · ' : ''}e edit options · esc back · ctrl-c quit</Text>
		</Box>
	);
}

type Field = 'batchSize' | 'workers' | 'filter' | 'clearTarget' | 'mode';
const fields: Array<{key: Field; label: string}> = [
	{key: 'batchSize', label: 'Batch size'},
	{key: 'workers', label: 'Workers'},
	{key: 'filter', label: 'Filter (WHERE …)'},
	{key: 'clearTarget', label: 'Clear target first'},
	{key: 'mode', label: 'Mode'},
];

function OptionsForm({options, onDone}: {options: Options; onDone(options?: Options): void}) {
	const [draft, latestDraft, setLatestDraft] = useTyped(options);
	const setDraft = (change: (current: Options) => Options) => setLatestDraft(change(latestDraft()));
	const [at, setAt] = useState(0);
	useKeys((input, key, raw) => {
		const field = fields[at]!.key;
		if (key.upArrow) setAt(current => Math.max(0, current - 1));
		else if (key.downArrow || key.tab) setAt(current => Math.min(fields.length - 1, current + 1));
		else if (key.return) onDone(draft);
		else if (key.escape) onDone();
		else if (field === 'clearTarget' && input === ' ') setDraft(current => ({...current, clearTarget: !current.clearTarget}));
		else if (field === 'mode' && input === ' ') setDraft(current => ({...current, mode: current.mode === 'history' ? 'snapshot' : current.mode === 'snapshot' ? '' : 'history'}));
		else if (field !== 'clearTarget' && field !== 'mode') {
			const {text, enter} = editText(latestDraft()[field], input, key, raw);
			const next = {...latestDraft(), [field]: text};
			setLatestDraft(next);
			if (enter) onDone(next);
		}
	});

	const value = (field: Field) => {
		if (field === 'clearTarget') return draft.clearTarget ? '[x] yes' : '[ ] no';
		if (field === 'mode') return draft.mode || 'by the plan';
		return draft[field] || '—';
	};

	return (
		<Box flexDirection="column">
			<Text bold>Options</Text>
			<Text> </Text>
			{fields.map((field, index) => (
				<Text key={field.key} color={index === at ? 'cyan' : undefined}>
					{index === at ? '❯' : ' '} {field.label.padEnd(20)} {value(field.key)}{index === at && field.key !== 'clearTarget' && field.key !== 'mode' ? '▌' : ''}
				</Text>
			))}
			<Text> </Text>
			<Text dimColor>↑↓ field · type to edit · space toggles · enter apply · esc cancel</Text>
		</Box>
	);
}
