// The check runner the Node conformance scripts share, as ../checks.py is for the Python
// ones: each check is a named async function; a thrown error marks it failed, prints why on
// one line, and the run goes on. `finish` prints `conformance: N passed, M failed` last
// (the line run.sh adds up) and exits non-zero on any failure.

/** The base URL (no trailing slash) and token from the two variables named; exits 2 without them. */
export function env(baseVariable, tokenVariable) {
  const base = (process.env[baseVariable] || '').replace(/\/+$/, '');
  const token = process.env[tokenVariable] || '';
  if (!base || !token) {
    console.error(`conformance: set ${baseVariable} and ${tokenVariable}`);
    process.exit(2);
  }
  return { base, token };
}

export function assert(condition, message) {
  if (!condition) throw new Error(message);
}

export class Checks {
  constructor(label) {
    this.label = label;
    this.passed = 0;
    this.failed = 0;
  }

  /** Runs `fn`; prints one line; returns its value (undefined when it failed). */
  async check(name, fn) {
    try {
      const value = await fn();
      this.passed += 1;
      console.log(`ok   [${this.label}] ${name}`);
      return value;
    } catch (error) {
      this.failed += 1;
      const why = String(error && error.message ? error.message : error).replace(/\s+/g, ' ');
      console.log(`FAIL [${this.label}] ${name}: ${why}`);
      return undefined;
    }
  }

  finish() {
    console.log(`conformance: ${this.passed} passed, ${this.failed} failed`);
    process.exit(this.failed === 0 ? 0 : 1);
  }
}
