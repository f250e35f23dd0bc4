// Prints the plain closing line CI reads: "N passed, N failed" (vitest tests plus CI gates).
import { readFileSync } from 'node:fs';

const [file, status, gatesPassed = '0', gatesFailed = '0'] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed = report.numPassedTests ?? 0;
  failed = (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load counts as a failure even if no test in it ran.
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed++;
  }
} catch (error) {
  console.error(`could not read ${file}: ${error.message}`);
  failed = Math.max(failed, 1);
}
// A non-zero exit with no failed test (coverage thresholds, a crash) is still a failure.
if (failed === 0 && Number(status) !== 0) failed = 1;
passed += Number(gatesPassed);
failed += Number(gatesFailed);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed === 0 ? 0 : 1);
