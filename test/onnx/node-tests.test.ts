/**
 * ONNX's own backend node tests (v1.17.0, ../shared/onnx-node-tests), every case whose ops
 * ecgc claims: the reference against ONNX's expected outputs (the ONNX runner's tolerance,
 * rtol 1e-3 and atol 1e-7), and each case the reference passes through the generated C on
 * the host, bit for bit against the reference. node-tests.expected.json records every
 * outcome (passed, or the one-line refusal), so any change, a regression or a case that
 * starts to pass, fails here until the file is updated (`npx vitest run
 * test/onnx/node-tests.test.ts -u`). A wrong answer is never an outcome: it fails at once.
 */
import { describe, expect, it } from 'vitest';
import { verifyHost } from '../../src/codegen/verify.js';
import { claimed, loadNodeTest, nodeTestNames, nodeTestOps, nodeTestsAvailable, refusal, runNodeTest } from '../helpers/node-tests.js';

if (!nodeTestsAvailable()) {
  if (process.env.CI === 'true') throw new Error('../shared/onnx-node-tests is missing: the ONNX node tests must run under CI');
  console.warn('SKIPPING the ONNX node tests: ../shared/onnx-node-tests is not beside the repository');
}

const cases = nodeTestsAvailable() ? nodeTestNames().filter(claimed) : [];

/**
 * The C on the host, for a case the reference passes: bit-exact, or refused (e.g. no C kernel).
 * The C API returns one output, so a case of several (Split) checks each output on its own.
 */
async function throughC(name: string): Promise<string> {
  const { graph, input } = loadNodeTest(name);
  try {
    for (const output of graph.outputs) {
      const result = await verifyHost({ ...graph, outputs: [output] }, 'node.onnx', Float32Array.from(input), 1, { optimizations: ['-O2'] });
      if (result.mismatch) return `mismatch: output '${output}': ${JSON.stringify(result.mismatch)}`;
    }
    return 'bit-exact';
  } catch (e) {
    return refusal('node.onnx', e);
  }
}

describe.skipIf(!nodeTestsAvailable())('ONNX node tests', () => {
  const outcomes: Record<string, { reference: string; c?: string }> = {};

  it('the reference passes or refuses every claimed case, never a wrong answer', () => {
    for (const name of cases) outcomes[name] = { reference: runNodeTest(name) };
    const wrong = Object.entries(outcomes).filter(([, o]) => o.reference.startsWith('wrong'));
    expect(wrong).toEqual([]);
  });

  it('the C of every case the reference passes is bit-exact, or refused', async () => {
    const passed = cases.filter((name) => outcomes[name]?.reference === 'passed');
    expect(passed.length).toBeGreaterThan(0);
    for (let i = 0; i < passed.length; i += 2) {
      await Promise.all(passed.slice(i, i + 2).map(async (name) => (outcomes[name].c = await throughC(name))));
    }
    expect(Object.values(outcomes).filter((o) => o.c?.startsWith('mismatch'))).toEqual([]);
  }, 900_000);

  it('every outcome is the recorded one (node-tests.expected.json)', async () => {
    const total = cases.length;
    const passed = cases.filter((n) => outcomes[n].reference === 'passed').length;
    const exact = cases.filter((n) => outcomes[n].c === 'bit-exact').length;
    console.log(`ONNX node tests: ${total} cases of claimed ops; reference ${passed} passed (${((100 * passed) / total).toFixed(1)}%); C ${exact} bit-exact`);
    const ops = Object.fromEntries(cases.map((n) => [n, nodeTestOps(n).join(' ')]));
    const record = Object.fromEntries(cases.map((n) => [n, { ops: ops[n], ...outcomes[n] }]));
    await expect(`${JSON.stringify(record, null, 1)}\n`).toMatchFileSnapshot('node-tests.expected.json');
  });
});
