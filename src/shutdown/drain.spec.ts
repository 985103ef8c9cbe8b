import { ShutdownDrain, ShuttingDownError } from './drain';

describe('ShutdownDrain', () => {
  it('admits work until draining, then refuses it with shutting_down', () => {
    const drain = new ShutdownDrain();
    expect(() => drain.admit()).not.toThrow();
    drain.begin();
    expect(drain.draining).toBe(true);
    expect(() => drain.admit()).toThrow(ShuttingDownError);
    expect(new ShuttingDownError().code).toBe('shutting_down');
  });

  it('settles when the work admitted before has finished, failed work included', async () => {
    const drain = new ShutdownDrain();
    let finish!: () => void;
    drain.track(new Promise<void>((r) => (finish = r)));
    drain.track(Promise.reject(new Error('failed'))).catch(() => undefined);
    drain.begin();
    const settled = drain.settled(10_000);
    setTimeout(() => finish(), 50);
    const started = Date.now();
    expect(await settled).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up at the deadline and says how much is still running', async () => {
    const drain = new ShutdownDrain();
    drain.track(new Promise(() => undefined));
    drain.begin();
    const started = Date.now();
    expect(await drain.settled(100)).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
