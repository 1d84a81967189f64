// Adds one plain closing line after vitest's own summary, "vitest: N passed, N failed"
// (", N skipped" when some were), so that a harness reading the last line can count tests.
import type { Reporter, TestModule } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of modules) {
      if (mod.state() === 'failed' && [...mod.children.allTests()].length === 0) failed += 1;
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
    }
    failed += errors.length;
    const tail = skipped ? `, ${skipped} skipped` : '';
    process.stdout.write(`vitest: ${passed} passed, ${failed} failed${tail}\n`);
  }
}
