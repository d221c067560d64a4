import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Renders docs/bench.svg from the JSON the benches wrote under bench/results/: throughput per
 * consumer, enqueue→start latency per offered rate (log scale: Celery's backlog is seconds where
 * burrow's is milliseconds), and worker RSS over the long run. `npm run bench` runs it last;
 * `node bench/dist/chart.js` redraws it from the last results.
 */

export interface DrainRow {
  readonly consumer: string;
  readonly tasksPerSecond: number;
}
export interface LatencyRow {
  readonly consumer: string;
  readonly rate: number;
  readonly startP50: number;
  readonly startP99: number;
}
export interface MemorySample {
  readonly done: number;
  readonly rssMb: number;
}
export interface BenchData {
  readonly drain?: readonly DrainRow[];
  readonly latency?: readonly LatencyRow[];
  readonly memory?: readonly MemorySample[];
  readonly date?: string;
}

const WIDTH = 920;
const LABEL = 370;
const BAR = 18;
const FONT = 'font-family="system-ui, sans-serif" font-size="12"';
const COLOURS = { burrow: '#2f6fbb', minimal: '#8a8a8a', celery: '#b5562b', p99: '#9cc1e8' };

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function colourOf(consumer: string): string {
  if (/celery/i.test(consumer)) return COLOURS.celery;
  if (/minimal/i.test(consumer)) return COLOURS.minimal;
  return COLOURS.burrow;
}

/** The drain's short consumer keys, spelled out. */
const DISPLAY: Record<string, string> = {
  minimal: 'minimal amqplib + Redis loop (ceiling)',
  burrow: 'burrow engine in-process, log level warn',
};

const grouped = (n: number) =>
  Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ' ');

function throughputPanel(rows: readonly DrainRow[], top: number): { svg: string; height: number } {
  const max = Math.max(...rows.map((r) => r.tasksPerSecond), 1);
  const scale = (WIDTH - LABEL - 140) / max;
  const parts = [
    `<text x="10" y="${top + 16}" font-weight="bold" ${FONT}>Drain: tasks/s (higher is better)</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + 28 + i * (BAR + 6);
    parts.push(
      `<text x="${LABEL - 8}" y="${y + 13}" text-anchor="end" ${FONT}>${escape(DISPLAY[r.consumer] ?? r.consumer)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${Math.max(1, r.tasksPerSecond * scale).toFixed(1)}" height="${BAR}" fill="${colourOf(r.consumer)}"/>`,
      `<text x="${(LABEL + r.tasksPerSecond * scale + 6).toFixed(1)}" y="${y + 13}" ${FONT}>${grouped(r.tasksPerSecond)}</text>`,
    );
  });
  return { svg: parts.join('\n'), height: 36 + rows.length * (BAR + 6) };
}

function latencyPanel(rows: readonly LatencyRow[], top: number): { svg: string; height: number } {
  // Log scale from 0.1 ms to the largest p99.
  const lo = Math.log10(0.1);
  const hi = Math.log10(Math.max(10, ...rows.map((r) => r.startP99)));
  const span = WIDTH - LABEL - 140;
  const x = (ms: number) => LABEL + ((Math.log10(Math.max(ms, 0.1)) - lo) / (hi - lo)) * span;
  const parts = [
    `<text x="10" y="${top + 16}" font-weight="bold" ${FONT}>Enqueue → start, ms (log scale; dark p50, light p99; lower is better)</text>`,
  ];
  rows.forEach((r, i) => {
    const y = top + 28 + i * (BAR + 6);
    const colour = colourOf(r.consumer);
    parts.push(
      `<text x="${LABEL - 8}" y="${y + 13}" text-anchor="end" ${FONT}>${escape(`${r.consumer} at ${grouped(r.rate)}/s`)}</text>`,
      `<rect x="${LABEL}" y="${y}" width="${(x(r.startP99) - LABEL).toFixed(1)}" height="${BAR}" fill="${colour}" fill-opacity="0.35"/>`,
      `<rect x="${LABEL}" y="${y}" width="${Math.max(1, x(r.startP50) - LABEL).toFixed(1)}" height="${BAR}" fill="${colour}"/>`,
      `<text x="${(x(r.startP99) + 6).toFixed(1)}" y="${y + 13}" ${FONT}>${r.startP50.toFixed(1)} / ${r.startP99.toFixed(1)}</text>`,
    );
  });
  return { svg: parts.join('\n'), height: 36 + rows.length * (BAR + 6) };
}

function memoryPanel(
  samples: readonly MemorySample[],
  top: number,
): { svg: string; height: number } {
  const height = 160;
  const plotTop = top + 28;
  const plotHeight = height - 50;
  const maxDone = Math.max(...samples.map((s) => s.done), 1);
  const maxRss = Math.max(...samples.map((s) => s.rssMb), 1) * 1.1;
  const px = (done: number) => LABEL + (done / maxDone) * (WIDTH - LABEL - 140);
  const py = (mb: number) => plotTop + plotHeight - (mb / maxRss) * plotHeight;
  const points = samples.map((s) => `${px(s.done).toFixed(1)},${py(s.rssMb).toFixed(1)}`).join(' ');
  return {
    svg: [
      `<text x="10" y="${top + 16}" font-weight="bold" ${FONT}>burrow-worker RSS over ${grouped(maxDone)} tasks, MB</text>`,
      `<line x1="${LABEL}" y1="${plotTop + plotHeight}" x2="${WIDTH - 140}" y2="${plotTop + plotHeight}" stroke="#999"/>`,
      `<line x1="${LABEL}" y1="${plotTop}" x2="${LABEL}" y2="${plotTop + plotHeight}" stroke="#999"/>`,
      `<text x="${LABEL - 8}" y="${plotTop + 10}" text-anchor="end" ${FONT}>${maxRss.toFixed(0)} MB</text>`,
      `<text x="${LABEL - 8}" y="${plotTop + plotHeight}" text-anchor="end" ${FONT}>0</text>`,
      `<text x="${WIDTH - 140}" y="${plotTop + plotHeight + 16}" text-anchor="end" ${FONT}>${grouped(maxDone)} tasks</text>`,
      `<polyline fill="none" stroke="${COLOURS.burrow}" stroke-width="2" points="${points}"/>`,
    ].join('\n'),
    height,
  };
}

/** The whole chart as an SVG document. Pure. */
export function renderBenchSvg(data: BenchData): string {
  const panels: string[] = [];
  let top = 10;
  for (const panel of [
    data.drain?.length ? (t: number) => throughputPanel(data.drain!, t) : null,
    data.latency?.length ? (t: number) => latencyPanel(data.latency!, t) : null,
    data.memory?.length ? (t: number) => memoryPanel(data.memory!, t) : null,
  ]) {
    if (!panel) continue;
    const { svg, height } = panel(top);
    panels.push(svg);
    top += height + 14;
  }
  const footer = data.date
    ? `<text x="10" y="${top + 4}" fill="#666" ${FONT}>npm run bench, ${escape(data.date)}</text>`
    : '';
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 16}" viewBox="0 0 ${WIDTH} ${top + 16}" role="img" aria-label="burrow benchmark: throughput, latency and memory beside the minimal loop and Celery">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels,
    footer,
    '</svg>',
    '',
  ].join('\n');
}

function readJson<T>(file: string): T | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

if (require.main === module) {
  const results = path.resolve(__dirname, '..', 'results');
  const drain = readJson<{ date: string; rows: DrainRow[] }>(path.join(results, 'drain.json'));
  const latency = readJson<{ rows: LatencyRow[] }>(path.join(results, 'latency.json'));
  const memory = readJson<{ samples: MemorySample[] }>(path.join(results, 'memory.json'));
  const out = path.resolve(__dirname, '..', '..', 'docs', 'bench.svg');
  writeFileSync(
    out,
    renderBenchSvg({
      drain: drain?.rows,
      latency: latency?.rows,
      memory: memory?.samples,
      date: (drain?.date ?? new Date().toISOString()).slice(0, 10),
    }),
  );
  process.stdout.write(`chart written to ${out}\n`);
}
