/**
 * The worker protocol: every request carries an id, every reply names the id it answers, and
 * one listener per worker hands each reply to its request. RequestTable and answer on their
 * own, then real worker threads given interleaved plain and cached requests.
 */
import { describe, expect, it } from 'vitest';
import { BatchRunner, type RequestEnvelope, RequestTable, answer } from '../../src/ref/parallel.js';
import { expectBitExact } from '../helpers/bit-exact.js';
import { loadFixture, runReference } from '../helpers/fixtures.js';

/** A table whose requests are only recorded, for the test to answer. */
function recordingTable() {
  const posted: RequestEnvelope[] = [];
  return { table: new RequestTable((envelope) => posted.push(envelope)), posted };
}

describe('RequestTable', () => {
  it('gives every request its own id and hands each reply to the request it names, in any order', async () => {
    const { table, posted } = recordingTable();
    const drop = table.send({ type: 'drop', cut: 3 });
    const run = table.send({ type: 'run', cut: 0, first: 0, last: 1 });
    expect(posted.map((e) => e.request)).toEqual([{ type: 'drop', cut: 3 }, { type: 'run', cut: 0, first: 0, last: 1 }]);
    expect(posted[0].id).not.toBe(posted[1].id);
    const output = Float32Array.of(1, 2);
    table.receive({ id: posted[1].id, output });
    table.receive({ id: posted[0].id });
    await expect(run).resolves.toBe(output);
    await expect(drop).resolves.toBeUndefined();
  });

  it('fails only the request an error reply names', async () => {
    const { table, posted } = recordingTable();
    const failing = table.send({ type: 'prepare', from: 0, to: 4 });
    const other = table.send({ type: 'drop', cut: 4 });
    table.receive({ id: posted[0].id, error: 'internal: no cached state at node 0' });
    await expect(failing).rejects.toThrow('internal: no cached state at node 0');
    table.receive({ id: posted[1].id });
    await expect(other).resolves.toBeUndefined();
    // and the table goes on
    const later = table.send({ type: 'drop', cut: 5 });
    table.receive({ id: posted[2].id });
    await expect(later).resolves.toBeUndefined();
  });

  it('takes a reply for an id not waiting as an error: the requests in flight and every later one fail', async () => {
    const { table, posted } = recordingTable();
    const waiting = table.send({ type: 'drop', cut: 1 });
    table.receive({ id: posted[0].id + 1 });
    await expect(waiting).rejects.toThrow(`a worker thread answered request ${posted[0].id + 1}, which is not waiting for an answer`);
    await expect(table.send({ type: 'drop', cut: 2 })).rejects.toThrow('which is not waiting for an answer');
    expect(posted).toHaveLength(1); // the later request was not sent
  });

  it('takes a second reply to one request as a reply for an id not waiting', async () => {
    const { table, posted } = recordingTable();
    const first = table.send({ type: 'drop', cut: 1 });
    const second = table.send({ type: 'drop', cut: 2 });
    table.receive({ id: posted[0].id });
    await expect(first).resolves.toBeUndefined();
    table.receive({ id: posted[0].id });
    await expect(second).rejects.toThrow(`answered request ${posted[0].id}, which is not waiting`);
  });

  it('fails every request in flight, and every later one, when the worker fails', async () => {
    const { table } = recordingTable();
    const inFlight = [table.send({ type: 'drop', cut: 1 }), table.send({ type: 'drop', cut: 2 })];
    table.fail(new Error('worker crashed'));
    for (const request of inFlight) await expect(request).rejects.toThrow('worker crashed');
    await expect(table.send({ type: 'drop', cut: 3 })).rejects.toThrow('worker crashed');
  });

  it('fails a request that cannot be sent, and only it', async () => {
    let refuse = true;
    const posted: RequestEnvelope[] = [];
    const table = new RequestTable((envelope) => {
      if (refuse) throw new Error('could not be cloned');
      posted.push(envelope);
    });
    await expect(table.send({ type: 'drop', cut: 1 })).rejects.toThrow('could not be cloned');
    refuse = false;
    const next = table.send({ type: 'drop', cut: 2 });
    table.receive({ id: posted[0].id });
    await expect(next).resolves.toBeUndefined();
  });
});

describe('answer (the worker side)', () => {
  it('names the request it answers, with its output or the error it threw', () => {
    const output = Float32Array.of(3);
    expect(answer({ id: 5, request: { type: 'run', cut: 0, first: 0, last: 1 } }, () => output)).toEqual({ id: 5, output });
    const thrown = answer({ id: 6, request: { type: 'drop', cut: 2 } }, () => {
      throw new Error('internal: no cached state at node 2');
    });
    expect(thrown).toEqual({ id: 6, error: 'internal: no cached state at node 2' });
  });
});

describe('BatchRunner on worker threads', () => {
  const { graph, input } = loadFixture('resnet1d');
  const count = 24;
  const x = new Float32Array(count * 250);
  for (let n = 0; n < 8; n++) x.set(input.data, n * 750);
  const expected = runReference(graph, x, count);

  it('answers plain and cached requests sent together each with its own outputs; a failing one fails alone', async () => {
    const runner = new BatchRunner(graph, 2);
    try {
      await runner.cache(x.slice(), count);
      const cut = graph.nodes.length - 2;
      // all at once: each worker has a plain batch, cached runs and a run from a cut it does not keep in flight
      const [plain, cached, missing, prepared] = await Promise.allSettled([
        runner.run(x.slice(), count),
        runner.runCached(0, 0, 1, 1),
        runner.runCached(cut, 0, 1, 1),
        runner.prepareCut(0, cut).then(() => runner.runCached(cut, 0, 1, 1)),
      ]);
      expectBitExact((plain as PromiseFulfilledResult<Float32Array>).value, expected);
      expectBitExact((cached as PromiseFulfilledResult<{ output: Float32Array }>).value.output, expected);
      expect((missing as PromiseRejectedResult).reason).toBeInstanceOf(Error);
      expect(((missing as PromiseRejectedResult).reason as Error).message).toBe(`internal: no cached state at node ${cut}`);
      expectBitExact((prepared as PromiseFulfilledResult<{ output: Float32Array }>).value.output, expected);
    } finally {
      await runner.close();
    }
    // a closed runner's workers have stopped: a request fails at once rather than waiting for ever
    await expect(runner.runCached(0, 0, 1, 1)).rejects.toThrow(/a worker thread stopped \(exit code \d+\)/);
  });
});
