// vitest globalSetup: no test runs against a shim built for another nginx.
import { runtimeMismatch } from './runtime-identity.js';

export default function checkRuntime(): void {
  const problem = runtimeMismatch();
  if (problem) throw new Error(`runtime check: ${problem}`);
}
