import { ProgressReporter, countsOf, progressLine } from '../../src/cli/progress';

describe('CLI progress', () => {
  it('draws a bar with the counts', () => {
    expect(progressLine({ done: 40, total: 100, failed: 2 }, 10)).toBe(
      '[####------]  40 %  40/100 (2 failed)',
    );
    expect(progressLine({ done: 0, total: 0 }, 4)).toBe('[----]   0 %  0/0');
  });

  it("reads a bulk task's PROGRESS result", () => {
    expect(countsOf({ sent: 38, failed: 2, total: 100 })).toEqual({
      done: 40,
      total: 100,
      failed: 2,
    });
    expect(countsOf({ done: 5, total: 10 })).toEqual({ done: 5, total: 10, failed: 0 });
    expect(countsOf({ note: 'x' })).toBeNull();
    expect(countsOf(null)).toBeNull();
  });

  it('redraws in place on a terminal and prints plain lines, once per change, otherwise', () => {
    const written: string[] = [];
    const out = (isTTY: boolean) =>
      ({ isTTY, write: (s: string) => written.push(s) }) as unknown as NodeJS.WriteStream;
    const plain = new ProgressReporter(out(false), 'job');
    plain.update({ done: 1, total: 2 });
    plain.update({ done: 1, total: 2 });
    plain.update({ done: 2, total: 2 });
    plain.finish();
    expect(written).toHaveLength(2);
    expect(written.every((l) => l.endsWith('\n') && !l.startsWith('\r'))).toBe(true);
    written.length = 0;
    const tty = new ProgressReporter(out(true), 'job');
    tty.update({ done: 1, total: 2 });
    tty.finish();
    expect(written[0]).toMatch(/^\rjob \[/);
    expect(written[1]).toBe('\n');
  });
});
