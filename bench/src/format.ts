/** 50000 → "50 000": readable counts in progress lines and tables. */
export function grouped(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
}

/** Writes "label: 23 000 / 50 000 verb" every second until the returned stop is called. */
export function startProgress(
  label: string,
  total: number,
  verb: string,
  read: () => number,
  out: NodeJS.WritableStream = process.stdout,
): () => void {
  let last = -1;
  const print = () => {
    const now = read();
    if (now === last) return;
    last = now;
    out.write(`${label}: ${grouped(now)} / ${grouped(total)} ${verb}\n`);
  };
  const timer = setInterval(print, 1_000);
  return () => {
    clearInterval(timer);
    print();
  };
}
