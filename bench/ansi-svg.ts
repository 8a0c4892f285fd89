/** A terminal screen (text with ANSI SGR colours) as an SVG picture. */

const palette = ['#1d1f21', '#cc6666', '#b5bd68', '#f0c674', '#81a2be', '#b294bb', '#8abeb7', '#c5c8c6'];
const bright = ['#666666', '#d54e53', '#b9ca4a', '#e7c547', '#7aa6da', '#c397d8', '#70c0b1', '#eaeaea'];
const foreground = '#c5c8c6';

interface Cell {
	text: string;
	color: string;
	bold: boolean;
	dim: boolean;
}

const escape = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

export function ansiToSvg(screen: string, {columns, rows, title}: {columns: number; rows: number; title: string}): string {
	const width = 8.4;
	const height = 18;
	const pad = 14;
	const top = 34;
	const lines = screen.replace(/\n$/, '').split('\n').slice(0, rows);
	const texts: string[] = [];
	for (const [row, line] of lines.entries()) {
		let color = foreground;
		let bold = false;
		let dim = false;
		const cells: Cell[] = [];
		for (const part of line.split(/(\u001B\[[\d;]*m)/)) {
			const sgr = /^\u001B\[([\d;]*)m$/.exec(part);
			if (!sgr) {
				if (part) cells.push({text: part, color, bold, dim});
				continue;
			}

			const codes = (sgr[1] || '0').split(';').map(Number);
			for (let i = 0; i < codes.length; i++) {
				const code = codes[i]!;
				if (code === 0) [color, bold, dim] = [foreground, false, false];
				else if (code === 1) bold = true;
				else if (code === 2) dim = true;
				else if (code === 22) [bold, dim] = [false, false];
				else if (code === 39) color = foreground;
				else if (code >= 30 && code <= 37) color = palette[code - 30]!;
				else if (code >= 90 && code <= 97) color = bright[code - 90]!;
				else if (code === 38 && codes[i + 1] === 5) {
					const index = codes[i + 2]!;
					color = index < 8 ? palette[index]! : index < 16 ? bright[index - 8]! : foreground;
					i += 2;
				}
			}
		}

		let column = 0;
		const spans = cells.map(cell => {
			const x = pad + column * width;
			column += [...cell.text].length;
			return `<tspan x="${x.toFixed(1)}" fill="${cell.color}"${cell.bold ? ' font-weight="bold"' : ''}${cell.dim ? ' opacity="0.55"' : ''}>${escape(cell.text)}</tspan>`;
		});
		if (spans.length > 0) texts.push(`<text y="${top + (row + 1) * height - 5}" xml:space="preserve">${spans.join('')}</text>`);
	}

	const totalWidth = pad * 2 + columns * width;
	const totalHeight = top + rows * height + pad;
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${totalWidth}" height="${totalHeight}" viewBox="0 0 ${totalWidth} ${totalHeight}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">
<rect width="100%" height="100%" rx="8" fill="#1d1f21"/>
<circle cx="20" cy="17" r="6" fill="#ff5f56"/><circle cx="40" cy="17" r="6" fill="#ffbd2e"/><circle cx="60" cy="17" r="6" fill="#27c93f"/>
<text x="${totalWidth / 2}" y="21" fill="#969896" text-anchor="middle" font-size="12">${escape(title)} — 80×24</text>
${texts.join('\n')}
</svg>
`;
}
