/** Whether a process of this machine still runs (signal 0 probes it; EPERM: it runs as someone else). */
export function processRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}
