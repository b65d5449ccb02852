// Progress of eval/saliency/report on stderr (stdout stays for results and --json): one
// self-overwriting line on a terminal; elsewhere (logs, pipes) a plain line at most every few
// seconds, plus the last one.
export interface ProgressLine {
  update: (done: number, total: number) => void;
  done: () => void;
}

export function progressLine(label: string, stream: NodeJS.WriteStream = process.stderr, everyMs = 5000): ProgressLine {
  const tty = stream.isTTY === true;
  let shown = false;
  let last = 0;
  return {
    update: (done, total) => {
      const text = `${label}: ${done}/${total} images`;
      if (tty) {
        stream.write(`\r${text}`);
        shown = true;
        return;
      }
      const now = Date.now();
      if (done === total || now - last >= everyMs) {
        stream.write(`${text}\n`);
        last = now;
      }
    },
    done: () => {
      if (shown) stream.write('\n');
      shown = false;
    },
  };
}
