import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, makeTempDir, skopeo, startStowage, type ServerHandle } from '../test/support/process.js';
import { alternate, timeCommand, type Row } from './measure.js';
import type { BenchContext } from './scenarios.js';

const exec = promisify(execFile);

type Mode = 'on' | 'off';

/**
 * Scenario 19: what watching costs. The same server twice per round, alternating: "on" with
 * distribution's defaults an operator keeps (an access log line per request at info, to a
 * file as journald would take it) plus Prometheus metrics on the debug listener, scraped
 * every second during the run; "off" with `log.accesslog.disabled` and no debug listener.
 * Manifest GETs (wrk, 64 connections, the two servers in turns, medians of 6) and the large
 * image's push (skopeo, a fresh server per push); target: at most 5%.
 */
export async function observabilityOverhead(ctx: BenchContext): Promise<Row[]> {
  const seconds = ctx.quick ? 3 : 5;
  const withServer = async <T>(mode: Mode, work: (server: ServerHandle) => Promise<T>): Promise<T> => {
    const dir = await makeTempDir(`bench-observe-${mode}-`);
    const debugPort = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        ...(mode === 'on'
          ? ['http:', '  debug:', `    addr: 127.0.0.1:${debugPort}`, '    prometheus:', '      enabled: true']
          : ['log:', '  accesslog:', '    disabled: true']),
        '',
      ].join('\n'),
    );
    const server = await startStowage({ config, logFile: join(dir, 'registry.log') });
    // A scraper, as Prometheus would be (every second rather than every 15 s, to be felt).
    const scraper =
      mode === 'on'
        ? setInterval(
            () =>
              void fetch(`http://127.0.0.1:${debugPort}/metrics`)
                .then((r) => r.text())
                .catch(() => undefined),
            1000,
          )
        : undefined;
    try {
      return await work(server);
    } finally {
      clearInterval(scraper);
      await server.stop();
    }
  };
  // Both servers up at once, warmed, then measured in turns: a fresh process per measurement
  // varied by more than the difference looked for (JIT warm-up, which half of the VM's time it got).
  const manifestRates = (): Promise<{ stowage: number; peer: number }> =>
    withServer('on', (on) =>
      withServer('off', async (off) => {
        const script = join(await makeTempDir('bench-wrk-'), 'm.lua');
        await writeFile(script, 'wrk.headers["Accept"] = "application/vnd.oci.image.manifest.v1+json"\n');
        const wrk = async (s: ServerHandle, secs: number): Promise<number> => {
          const { stdout } = await exec('wrk', ['-t2', '-c64', `-d${secs}s`, '-s', script, `${s.url}/v2/bench/small/manifests/1`]);
          return Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1]);
        };
        for (const s of [on, off]) {
          await skopeo(['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.small}:img`, `docker://${s.host}/bench/small:1`]);
          await wrk(s, 2);
        }
        return alternate(ctx.quick ? 2 : 6, { stowage: () => wrk(on, seconds), peer: () => wrk(off, seconds) });
      }),
    );
  const push = (mode: Mode) => () =>
    withServer(mode, (s) => timeCommand('skopeo', ['copy', '-q', '--dest-tls-verify=false', `oci:${ctx.large}:img`, `docker://${s.host}/bench/large:1`]));
  const rate = await manifestRates();
  const pushed = await alternate(ctx.rounds, { stowage: push('on'), peer: push('off') });
  const peerName = 'Stowage, access log and metrics off';
  return [
    { scenario: '19a manifest GET, access log + metrics on vs off', unit: 'req/s', ...rate, peerName, target: { ratio: 0.95, better: 'higher' } },
    { scenario: '19b push, access log + metrics on vs off', unit: 's', ...pushed, peerName, target: { ratio: 1.05, better: 'lower' } },
  ];
}
