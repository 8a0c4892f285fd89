/**
 * Confirmation: y/n, or typing the target's name when the plan deletes data
 * or drops features (✔ Confirmed / ✘ Cancelled).
 */
import {Box, Text} from 'ink';
import {editText, useTyped} from './text-input.js';
import {useKeys} from './use-keys.js';

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
				: <Text>{question} <Text bold>[y/n]</Text></Text>}
		</Box>
	);
}
