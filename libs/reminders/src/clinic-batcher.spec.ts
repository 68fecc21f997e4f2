import { ClinicBatcher, type BatchOutcome } from './clinic-batcher.js';

/** A run that records its batches and ends when the test says so. */
function recorder(answer: (item: string) => BatchOutcome = () => ({ ok: true })) {
  const runs: Array<{ clinicId: string; items: string[] }> = [];
  const pending: Array<() => void> = [];
  let isHeld = false;
  const run = async (clinicId: string, items: string[]): Promise<BatchOutcome[]> => {
    runs.push({ clinicId, items });
    if (isHeld) await new Promise<void>((resolve) => pending.push(resolve));
    return items.map(answer);
  };
  return {
    runs,
    run,
    hold: () => {
      isHeld = true;
    },
    releaseAll: () => {
      isHeld = false;
      pending.splice(0).forEach((resolve) => resolve());
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('ClinicBatcher (group commit per clinic)', () => {
  it('runs the items of one clinic submitted in the same turn together, and a lone item at once', async () => {
    const r = recorder();
    const batcher = new ClinicBatcher(r.run, 100);
    await Promise.all(['a', 'b', 'c'].map((item) => batcher.submit('clinic-1', item)));
    await batcher.submit('clinic-1', 'd');
    expect(r.runs).toEqual([
      { clinicId: 'clinic-1', items: ['a', 'b', 'c'] },
      { clinicId: 'clinic-1', items: ['d'] },
    ]);
  });

  it('gathers the items that arrive while the clinic has a run in flight into the next run', async () => {
    const r = recorder();
    r.hold();
    const batcher = new ClinicBatcher(r.run, 100);
    const first = batcher.submit('clinic-1', 'a');
    await turn();
    const later = ['b', 'c', 'd'].map((item) => batcher.submit('clinic-1', item));
    await turn();
    await turn();
    expect(r.runs).toHaveLength(1);
    r.releaseAll();
    await first;
    await turn();
    r.releaseAll();
    await Promise.all(later);
    expect(r.runs.map((run) => run.items)).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('with two runs allowed, starts a second while the first is in flight only once enough items wait', async () => {
    const r = recorder();
    r.hold();
    const batcher = new ClinicBatcher(r.run, 100, { maxRunning: 2, minParallelBatch: 3 });
    const first = batcher.submit('clinic-1', 'a');
    await turn();
    const few = ['b', 'c'].map((item) => batcher.submit('clinic-1', item));
    await turn();
    expect(r.runs).toHaveLength(1);
    const more = batcher.submit('clinic-1', 'd');
    await turn();
    expect(r.runs.map((run) => run.items)).toEqual([['a'], ['b', 'c', 'd']]);
    // Two in flight: the next items wait for one of them, however many they are.
    const waiting = ['e', 'f', 'g', 'h'].map((item) => batcher.submit('clinic-1', item));
    await turn();
    expect(r.runs).toHaveLength(2);
    r.releaseAll();
    await Promise.all([first, ...few, more]);
    await turn();
    r.releaseAll();
    await Promise.all(waiting);
    expect(r.runs.map((run) => run.items)).toEqual([['a'], ['b', 'c', 'd'], ['e', 'f', 'g', 'h']]);
  });

  it('runs other clinics independently and caps a batch at maxBatch', async () => {
    const r = recorder();
    const batcher = new ClinicBatcher(r.run, 2);
    await Promise.all([
      batcher.submit('clinic-1', 'a'),
      batcher.submit('clinic-2', 'x'),
      batcher.submit('clinic-1', 'b'),
      batcher.submit('clinic-1', 'c'),
    ]);
    expect(r.runs.filter((run) => run.clinicId === 'clinic-1').map((run) => run.items)).toEqual([['a', 'b'], ['c']]);
    expect(r.runs.filter((run) => run.clinicId === 'clinic-2').map((run) => run.items)).toEqual([['x']]);
  });

  it('fails only the item whose outcome failed, not the others of its batch', async () => {
    const r = recorder((item) => (item === 'bad' ? { ok: false, error: new Error('refused') } : { ok: true }));
    const batcher = new ClinicBatcher(r.run, 100);
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((item) => batcher.submit('clinic-1', item)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(r.runs).toHaveLength(1);
  });

  it('retries a batch that threw as a whole item by item, so one bad item fails alone', async () => {
    const runs: string[][] = [];
    const batcher = new ClinicBatcher<string>(async (_clinicId, items) => {
      runs.push(items);
      if (items.includes('bad')) throw new Error('deadlock detected');
      return items.map(() => ({ ok: true }));
    }, 100);
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((item) => batcher.submit('clinic-1', item)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toEqual(new Error('deadlock detected'));
    expect(runs).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });
});
