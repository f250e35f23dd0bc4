/**
 * A fuzz target: an arbitrary, a check that throws when an invariant breaks, and a way to print
 * a failing value. Built with {@link target} or {@link asyncTarget}, run the same way by the
 * time-boxed runner and by the test suite.
 */
import fc from 'fast-check';

export interface TargetSpec<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** The failing value as text: input as hex, options, chunks. */
  describe(value: T): string;
}

/** How long and from where to run a target. */
export interface RunParameters {
  seed: number;
  numRuns: number;
  /** Replays one failure (as the report prints it) instead of searching. */
  path?: string;
  /** Stops searching after this many milliseconds; an interrupted run that found nothing passes. */
  timeLimit?: number;
}

/** What a run found. */
export interface RunReport {
  failed: boolean;
  /** The time limit cut the run (the search, or the shrinking of a failure) short. */
  interrupted: boolean;
  numRuns: number;
  numShrinks: number;
  /** The path that replays the failure with the same seed. */
  path: string | undefined;
  /** The shrunk failing value, described; undefined when the run passed. */
  counterexample: string | undefined;
  error: unknown;
}

export interface FuzzTarget {
  readonly name: string;
  run(parameters: RunParameters): Promise<RunReport>;
}

/** A target whose check is synchronous. */
export function target<T>(spec: TargetSpec<T> & { check(value: T): void }): FuzzTarget {
  return runnable(
    spec,
    fc.property(spec.arbitrary, (value) => {
      spec.check(value);
    }),
  );
}

/** A target whose check returns a promise (streams, sockets). */
export function asyncTarget<T>(spec: TargetSpec<T> & { check(value: T): Promise<void> }): FuzzTarget {
  return runnable(
    spec,
    fc.asyncProperty(spec.arbitrary, async (value) => {
      await spec.check(value);
    }),
  );
}

function runnable<T>(spec: TargetSpec<T>, property: fc.IRawProperty<[T]>): FuzzTarget {
  return {
    name: spec.name,
    async run({ seed, numRuns, path, timeLimit }) {
      const details = await fc.check(property, {
        seed,
        numRuns,
        ...(path === undefined ? {} : { path }),
        ...(timeLimit === undefined ? {} : { interruptAfterTimeLimit: timeLimit, markInterruptAsFailure: false }),
      });
      const value = details.counterexample?.[0];
      let counterexample: string | undefined;
      if (details.failed && details.counterexample !== null && value !== undefined) {
        try {
          counterexample = spec.describe(value);
        } catch (error) {
          counterexample = `(could not describe the input: ${String(error)})`;
        }
      }
      return {
        failed: details.failed,
        interrupted: details.interrupted,
        numRuns: details.numRuns,
        numShrinks: details.numShrinks,
        path: details.failed ? (details.counterexamplePath ?? undefined) : undefined,
        counterexample,
        error: details.errorInstance,
      };
    },
  };
}
