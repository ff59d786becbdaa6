import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { goDuration } from '../../../../src/registry/server/request-log.js';
import { logstashLine, serverLogger, textLine, type LogFormatter } from '../../../../src/registry/server/log-format.js';

async function logOnce(formatter: LogFormatter, fields?: Record<string, unknown>): Promise<string> {
  let out = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  const app = Fastify({ logger: serverLogger({ level: 'info', formatter, stream, ...(fields ? { fields } : {}) }) });
  app.log.info({ 'http.request.method': 'GET', 'vars.name': 'team/app', 'http.response.status': 200, note: 'two words' }, 'response completed');
  app.log.debug('below the level');
  await app.close();
  return out;
}

describe('log formatters (log.formatter)', () => {
  it('json: logrus field names, the level as a word, RFC 3339 time, the configured fields added', async () => {
    const line = JSON.parse(await logOnce('json', { service: 'registry', environment: 'prod' })) as Record<string, unknown>;
    assert.equal(line.level, 'info');
    assert.equal(line.msg, 'response completed');
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual([line.service, line.environment, line['vars.name'], typeof line.pid], ['registry', 'prod', 'team/app', 'number']);
  });

  it('text: logrus without a terminal — time, level, msg, then the fields sorted, quoted only when needed', async () => {
    const out = await logOnce('text');
    assert.equal(out.split('\n').length, 2, 'one line, nothing below the level');
    assert.match(
      out,
      /^time=\d{4}-\d\d-\d\dT[\d:.]+Z level=info msg="response completed" hostname=\S+ http\.request\.method=GET http\.response\.status=200 note="two words" pid=\d+ vars\.name=team\/app\n$/,
    );
    assert.equal(
      textLine({ time: 't', level: 'error', msg: 'x', err: { code: 'UNKNOWN', detail: 'a "b"' } }),
      'time=t level=error msg=x err.code=UNKNOWN err.detail="a \\"b\\""',
    );
  });

  it('logstash: @timestamp, @version and message', async () => {
    const line = JSON.parse(await logOnce('logstash')) as Record<string, unknown>;
    assert.equal(line['@version'], '1');
    assert.equal(line.message, 'response completed');
    assert.match(String(line['@timestamp']), /Z$/);
    assert.equal(line.msg, undefined);
    assert.deepEqual(JSON.parse(logstashLine({ time: 't', msg: 'm', level: 'info' })), { '@timestamp': 't', '@version': '1', message: 'm', level: 'info' });
  });

  it("prints durations as Go's time.Duration does", () => {
    assert.deepEqual([goDuration(0.0123), goDuration(1.5), goDuration(12.25), goDuration(2500)], ['12.3µs', '1.5ms', '12.25ms', '2.5s']);
  });
});
