/** One RSS sample of the memory bench. */
export interface Sample {
  readonly seconds: number;
  readonly done: number;
  readonly rssMb: number;
  /** V8's live heap, from the worker's /metrics: tells heap growth from other memory. */
  readonly heapUsedMb: number;
}

/** Warm and end means, peak and growth of the RSS samples. Pure. */
export function summariseMemory(
  samples: readonly Sample[],
  total: number,
  idleMb: number,
): {
  warmMb: number;
  endMb: number;
  peakMb: number;
  growthMb: number;
  warmHeapMb: number;
  endHeapMb: number;
} {
  const mean = (xs: readonly Sample[], of: (s: Sample) => number = (s) => s.rssMb) =>
    xs.length ? xs.reduce((sum, x) => sum + of(x), 0) / xs.length : NaN;
  const warm = samples.filter((s) => s.done >= total * 0.1 && s.done < total * 0.2);
  const end = samples.filter((s) => s.done >= total * 0.9);
  const warmMb = mean(warm);
  const endMb = mean(end);
  return {
    warmMb,
    endMb,
    peakMb: Math.max(idleMb, ...samples.map((s) => s.rssMb)),
    growthMb: endMb - warmMb,
    warmHeapMb: mean(warm, (s) => s.heapUsedMb),
    endHeapMb: mean(end, (s) => s.heapUsedMb),
  };
}
