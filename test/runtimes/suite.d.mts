// Types of suite.mjs (plain JavaScript, so that every runtime loads it unchanged).
export interface SuiteReport {
  summary: { vectors: unknown[]; roundTrips: string[] };
  failures: string[];
}
export function report(core: unknown, vectors: unknown): Promise<SuiteReport>;
