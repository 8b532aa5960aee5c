// The bounds and text rules every writer shares: the API's schemas show them,
// the store enforces them for every other caller (the worker, the
// configuration file, a script), so both backends refuse the same input.

/** Largest capacity, units per conversation and priority: far beyond any real use, well inside every integer column. */
export const MAX_COUNT = 1_000_000;

// Patterns are spelled so that every regex engine reads them alike: no \w or \d
// (Unicode-aware in Python and Rust, ASCII in JavaScript) and no surrogate
// ranges (Rust cannot express them), so OpenAPI tools generate what Ajv accepts.
/** Names and other one-line text: no C0 control characters (NUL above all: PostgreSQL cannot store it) and no DEL. */
export const LINE_PATTERN = '^[^\\u0000-\\u001f\\u007f]*$';
/** Message text: as a line, but tabs and line breaks (LF, CR) are allowed. */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$';
/** An Idempotency-Key: 1-200 visible ASCII characters. */
export const KEY_PATTERN = '^[\\x21-\\x7e]{1,200}$';

/** Longest overflow limit: a durable timer of 30 days (1e300 ms once broke a dispatcher on every round). */
export const MAX_OVERFLOW_MS = 30 * 24 * 60 * 60 * 1000;
/** Longest name (agent, queue, customer). */
export const MAX_NAME_LENGTH = 200;
/** Longest chat message. */
export const MAX_TEXT_LENGTH = 4000;
