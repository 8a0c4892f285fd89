/**
 * A feature group list: ↑↓ to move, type to filter, enter to pick, esc to go
 * back. Unusable groups are shown dimmed with the reason and cannot be picked.
 * (Our own list rather than ink-select-input: its j/k and 1–9 shortcuts would
 * swallow the letters and digits typed into the filter.)
 */
import {useMemo, useState} from 'react';
import {Box, Text} from 'ink';
import {fit} from './bars.js';
import {editText, useTyped} from './text-input.js';
import {useKeys} from './use-keys.js';

export interface PickerRow {
	name: string;
	status: string;
	stores: string;
	/** "60,000 rows", "(ListRecords)", … */
	size: string;
	/** Why it cannot be picked, if it cannot. */
	unusable?: string;
	/** Not a group but something to do ("new feature group from …"): `name` is its label; listed first while no filter is typed. */
	action?: boolean;
}

export interface PickerProps {
	title: string;
	rows: PickerRow[];
	columns: number;
	/** Rows of the list shown at once. */
	height: number;
	onPick(row: PickerRow): void;
	onBack?(): void;
}

export function Picker({title, rows, columns, height, onPick, onBack}: PickerProps) {
	const [filter, latestFilter, setFilter] = useTyped('');
	const [index, setIndex] = useState(0);
	const [notice, setNotice] = useState<string | undefined>();
	// An action row shows while nothing is typed: a filter picks among the groups.
	const matching = (text: string) => rows.filter(row => (row.action ? !text : row.name.toLowerCase().includes(text.toLowerCase())));
	const shown = useMemo(() => matching(filter), [rows, filter]);
	const selected = Math.min(index, Math.max(0, shown.length - 1));

	const pick = (list: PickerRow[], at: number) => {
		const row = list[at];
		if (!row) return;
		if (row.unusable) setNotice(`${row.name} cannot be picked: ${row.unusable}`);
		else onPick(row);
	};

	useKeys((input, key, raw) => {
		setNotice(undefined);
		if (key.upArrow) setIndex(Math.max(0, selected - 1));
		else if (key.downArrow) setIndex(Math.min(shown.length - 1, selected + 1));
		else if (key.pageUp) setIndex(Math.max(0, selected - height));
		else if (key.pageDown) setIndex(Math.min(shown.length - 1, selected + height));
		else if (key.return) pick(shown, selected);
		else if (key.escape) {
			if (latestFilter()) setFilter('');
			else onBack?.();
		} else {
			// Names take letters, digits, "-", "_" and ".": other characters are not filtered on.
			const before = latestFilter();
			const {text, enter} = editText(before, input, key, raw, char => /[\w.-]/.test(char));
			if (text !== before) {
				setFilter(text);
				setIndex(0);
			}

			if (enter) pick(matching(text), 0);
		}
	});

	const nameWidth = Math.min(28, Math.max(12, ...rows.filter(row => !row.action).map(row => row.name.length)));
	const sizeWidth = Math.max(0, columns - nameWidth - 30);
	const first = Math.max(0, Math.min(selected - Math.floor(height / 2), shown.length - height));
	const visible = shown.slice(first, first + height);
	return (
		<Box flexDirection="column">
			<Box justifyContent="space-between" width={columns - 2}>
				<Text bold>{title}</Text>
				<Text dimColor={!filter}>filter: {filter}▌</Text>
			</Box>
			<Text> </Text>
			{visible.length === 0 && <Text dimColor>  no feature group matches “{filter}”</Text>}
			{visible.map(row => {
				const active = shown.indexOf(row) === selected;
				if (row.action) return <Text key={row.name} color={active ? 'cyan' : 'green'} bold={active} wrap="truncate-end">{`${active ? '❯' : ' '} + ${row.name}`}</Text>;
				const line = `${active ? '❯' : ' '} ${fit(row.name, nameWidth)}  ${fit(row.status, 8)}  ${fit(row.stores, 14)}  ${fit(row.unusable ?? row.size, sizeWidth, true)}`;
				return (
					<Text key={row.name} dimColor={Boolean(row.unusable)} color={active && !row.unusable ? 'cyan' : undefined} bold={active}>
						{line}
					</Text>
				);
			})}
			{shown.length > height && <Text dimColor>  {first + 1}–{first + visible.length} of {shown.length}</Text>}
			<Text> </Text>
			{notice ? <Text color="yellow">⚠ {notice}</Text> : <Text dimColor>↑↓ move · type to filter · enter select · esc back · ctrl-c quit</Text>}
		</Box>
	);
}
