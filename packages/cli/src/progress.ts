/** A one-line progress bar on stderr for a person; plain periodic lines when stderr is not a terminal. */
export function createProgress(label: string, total: number) {
  const tty = process.stderr.isTTY;
  let lastPrint = 0;
  const draw = (done: number, extra: string) => {
    const width = 30;
    const filled = total ? Math.round((done / total) * width) : width;
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    const line = `${label} ${bar} ${done}/${total}${extra ? ` ${extra}` : ''}`;
    if (tty) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(`${line}\n`);
  };
  return {
    update(done: number, extra = '') {
      const now = Date.now();
      if (done >= total || now - lastPrint < (tty ? 100 : 2000)) return;
      lastPrint = now;
      draw(done, extra);
    },
    finish(done: number, extra = '') {
      draw(done, extra);
      if (tty) process.stderr.write('\n');
    },
  };
}
