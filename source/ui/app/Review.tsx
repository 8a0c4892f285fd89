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
import {makeStyle, stripAnsi} from '../style.js';

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
	/** Lines the review may take (the terminal's, less the header): taller, it scrolls. */
	height?: number;
	/** Its width: a line wider than this takes more than one. */
	columns?: number;
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


export function Review({plan, color = true, height = Number.POSITIVE_INFINITY, columns = 80, problem, warnings = [], options, busy, onStart, onChange, onBack}: ReviewProps) {
	const [editing, setEditing] = useState(false);
	const [expanded, setExpanded] = useState(false);
	const [offset, setOffset] = useState(0);
	// The lines above the footer, scrolled within the screen: taller than the
	// terminal, Ink would redraw by clearing it, the operator's scrollback with it.
	const style = makeStyle(color);
	const lines: Array<{text: string; color?: string; truncate?: boolean}> = [];
	if (plan) {
		lines.push({text: style.bold('Schema')});
		for (const line of diffLines(plan.compatibility, style, '  ', {collapse: !expanded})) lines.push({text: line});
		for (const warning of plan.compatibility.warnings.filter(warning => !/left empty|dropped/.test(warning))) lines.push({text: `⚠ ${warning}`, color: 'yellow'});
		lines.push({text: ' '});
		for (const line of compactPlanLines(plan, {emoji: color})) lines.push({text: line, truncate: true});
	}

	if (!busy && !problem) for (const warning of warnings) lines.push({text: `⚠ ${warning}`, color: 'yellow'});
	if (busy) lines.push({text: style.dim('counting the records…')});
	if (problem) for (const [index, part] of `✘ ${problem}`.split('\n').entries()) lines.push({text: part, color: index === 0 ? 'red' : undefined});
	// Room for the footer (a blank line and the keys) and, when scrolled, the position.
	const room = Math.max(3, height - 2);
	const rowsOf = (line: {text: string; truncate?: boolean}) => (line.truncate ? 1 : Math.max(1, Math.ceil(stripAnsi(line.text).length / Math.max(1, columns))));
	const total = lines.reduce((sum, line) => sum + rowsOf(line), 0);
	const scrolls = total > room;
	// Scrolled, every line is cut at the width: one line, one row.
	const window = scrolls ? room - 1 : lines.length;
	const last = Math.max(0, lines.length - window);
	const top = Math.min(offset, last);
	const collapsible = plan ? plan.compatibility.actions.filter(action => action.kind === 'copy' && !action.role).length > 1 : false;
	useKeys((input, key) => {
		if (editing || busy) return;
		if (key.return && plan && !problem) onStart();
		else if (input === 'e') setEditing(true);
		else if (input === 'u' && collapsible) setExpanded(current => !current);
		// From the offset as it is now: keys arrive faster than frames.
		else if (key.pageDown) setOffset(current => Math.min(last, Math.min(current, last) + window));
		else if (key.pageUp) setOffset(current => Math.max(0, Math.min(current, last) - window));
		else if (key.downArrow) setOffset(current => Math.min(last, Math.min(current, last) + 1));
		else if (key.upArrow) setOffset(current => Math.max(0, Math.min(current, last) - 1));
		else if (key.escape) onBack();
	});

	if (editing) {
		return <OptionsForm options={options} onDone={next => {
			setEditing(false);
			if (next) onChange(next);
		}}/>;
	}

	// Within 80 columns with every key shown.
	const keys = [plan && !problem ? 'enter start' : '', collapsible || scrolls ? 'e edit' : 'e edit options', collapsible ? `u ${expanded ? 'fold' : 'show'} unchanged` : '', scrolls ? 'pgup/pgdn' : '', 'esc back', 'ctrl-c quit'].filter(Boolean);
	return (
		<Box flexDirection="column">
			{lines.slice(top, top + window).map((line, index) => <Text key={top + index} color={line.color} wrap={line.truncate || scrolls ? 'truncate-end' : 'wrap'}>{line.text || ' '}</Text>)}
			{scrolls && <Text dimColor>lines {top + 1}–{top + window} of {lines.length}{top + window < lines.length ? ' · pgdn for more' : ''}</Text>}
			<Text> </Text>
			<Text dimColor wrap="truncate-end">{keys.join(' · ')}</Text>
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
