import { renderBenchSvg } from '../src/chart';
import { summariseMemory } from '../src/memory-summary';
import { percentile, resultRate } from '../src/result-times';

describe('bench arithmetic', () => {
  it('percentile is the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('the drain rate runs from the first stored result to the last', () => {
    const results = [1_000, 1_500, 3_000].map((doneAt) => ({
      status: 'SUCCESS',
      result: null,
      doneAt,
    }));
    expect(resultRate(results)).toEqual({ tasks: 3, seconds: 2 });
  });

  it('memory growth compares the end of the run with the tenth after warm-up', () => {
    const samples = [
      { seconds: 1, done: 50, rssMb: 200, heapUsedMb: 50 }, // warm-up, ignored
      { seconds: 2, done: 150, rssMb: 100, heapUsedMb: 20 },
      { seconds: 3, done: 500, rssMb: 300, heapUsedMb: 30 }, // middle, peak
      { seconds: 4, done: 950, rssMb: 110, heapUsedMb: 22 },
    ];
    expect(summariseMemory(samples, 1_000, 80)).toEqual({
      warmMb: 100,
      endMb: 110,
      peakMb: 300,
      growthMb: 10,
      warmHeapMb: 20,
      endHeapMb: 22,
    });
  });
});

describe('bench chart', () => {
  it('draws a bar per consumer and a row per offered rate, labels escaped', () => {
    const svg = renderBenchSvg({
      drain: [
        { consumer: 'minimal', tasksPerSecond: 9000 },
        { consumer: 'Celery <prefork>', tasksPerSecond: 1000 },
      ],
      latency: [{ consumer: 'burrow-worker', rate: 2000, startP50: 1.5, startP99: 4.2 }],
      date: '2026-12-02',
    });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('minimal amqplib + Redis loop (ceiling)');
    expect(svg).toContain('Celery &lt;prefork&gt;');
    expect(svg).toContain('9 000');
    expect(svg).toContain('burrow-worker at 2 000/s');
    expect(svg).toContain('1.5 / 4.2');
    expect(svg).not.toContain('RSS over'); // no memory samples, no memory panel
  });
});
