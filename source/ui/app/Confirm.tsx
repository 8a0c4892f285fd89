/**
 * Confirmation: y/n, or typing the target's name when the plan deletes data
 * or drops features (✔ Confirmed / ✘ Cancelled).
 */
import {useState} from 'react';
import {Box, Text} from 'ink';
import {useKeys} from './use-keys.js';

export interface ConfirmProps {
	question: string;
	/** When set, the answer must be this text (the target's name). */
	expected?: string;
	warning?: string;
	onAnswer(yes: boolean): void;
}

export function Confirm({question, expected, warning, onAnswer}: ConfirmProps) {
	const [typed, setTyped] = useState('');
	useKeys((input, key) => {
		if (!expected) {
			if (input === 'y' || input === 'Y') onAnswer(true);
			else if (input === 'n' || input === 'N' || key.escape) onAnswer(false);
			return;
		}

		if (input.length > 1 && !key.ctrl && !key.meta) {
			let text = typed;
			for (const char of input) {
				if (char === '\u007F' || char === '\b') text = text.slice(0, -1);
				else if (char === '\r' || char === '\n') {
					onAnswer(text === expected);
					break;
				} else text += char;
			}

			setTyped(text);
			return;
		}

		if (key.return) onAnswer(typed === expected);
		else if (key.escape) onAnswer(false);
		else if (key.backspace || key.delete) setTyped(current => current.slice(0, -1));
		else if (input && !key.ctrl && !key.meta) setTyped(current => current + input);
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
