/**
 * Preloaded into a benchmarked server (`node -r …/cpu-profile-hook.js`, spawned with an IPC
 * channel): the message `profile:start` starts V8's CPU profiler on the main thread, and
 * `profile:stop` writes the profile to BENCH_CPU_PROFILE, then answers `profile:written`. So the
 * profile covers the measured load only, not start-up or warm-up. (Signals would not do: the
 * server's shutdown hooks treat SIGUSR2 as a stop signal.)
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const out = process.env.BENCH_CPU_PROFILE;
if (out && process.send) {
  const session = new Session();
  session.connect();
  // The channel must not keep the server alive once it shuts down.
  process.channel?.unref();
  process.on('message', (message) => {
    if (message === 'profile:start') session.post('Profiler.enable', () => session.post('Profiler.start'));
    if (message === 'profile:stop') {
      session.post('Profiler.stop', (err, result) => {
        if (!err) writeFileSync(out, JSON.stringify(result.profile));
        process.send?.(err ? `profile:failed ${err.message}` : 'profile:written');
      });
    }
  });
}
