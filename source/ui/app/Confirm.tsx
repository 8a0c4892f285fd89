/**
 * Confirmation: a plain choice (a select list: ↑↓ and enter, or y / n), or
 * typing the target's name when the plan deletes data or drops features.
 */
import {Box, Text} from 'ink';
import SelectInput from 'ink-select-input';
import {editText, useTyped} from './text-input.js';
import {useKeys} from './use-keys.js';

const choices = [{key: 'yes', label: 'Yes, start', value: true}, {key: 'no', label: 'No, back to the plan', value: false}];

export interface ConfirmProps {
	question: string;
	/** When set, the answer must be this text (the target's name). */
	expected?: string;
	warning?: string;
	onAnswer(yes: boolean): void;
}

export function Confirm({question, expected, warning, onAnswer}: ConfirmProps) {
	const [typed, current, setTyped] = useTyped('');
	useKeys((input, key, raw) => {
		if (!expected) {
			if (input === 'y' || input === 'Y') onAnswer(true);
			else if (input === 'n' || input === 'N' || key.escape) onAnswer(false);
			return;
		}

		if (key.escape) {
			onAnswer(false);
			return;
		}

		const {text, enter} = editText(current(), input, key, raw);
		setTyped(text);
		if (enter) onAnswer(text === expected);
	});

	return (
		<Box flexDirection="column">
			{warning && <Text color="yellow">⚠ {warning}</Text>}
			{expected
				? <Text>{question} Type <Text bold>{expected}</Text> to confirm: {typed}▌</Text>
				: (
					<Box flexDirection="column">
						<Text>{question} <Text bold>[y/n]</Text></Text>
						<SelectInput items={choices} onSelect={item => onAnswer(item.value)}/>
					</Box>
				)}
		</Box>
	);
}
