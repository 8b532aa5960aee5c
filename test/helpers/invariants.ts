// The one invariant checker (src/checks/invariants.ts), over a store, under the name the tests use.
export { storeInvariantViolations as invariantViolations } from '../../src/checks/invariants';
