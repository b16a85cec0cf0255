/**
 * The numbers of OIP JSON that JavaScript's JSON cannot hold, read and written as Triton does
 * (its rapidjson parses and writes `NaN`, `Infinity` and `-Infinity`, and 64-bit integers exactly;
 * NVIDIA's Python client sends them so):
 * - reading, a bare `NaN`, `Infinity`, `-Infinity` or an integer of 16 digits or more (past 2^53 it
 *   would be rounded) outside strings becomes a marked string holding its exact text, which
 *   `tensorFromJson` turns into the tensor's value (a float, or a 64-bit integer exactly);
 * - writing, a marked string becomes its text again: 64-bit integers past 2^53 exactly, and `-0.0`
 *   for a float negative zero (`JSON.stringify` writes `0`, which Python reads as an integer zero).
 * The marks start with U+0000 and a random tag drawn once per process, so a string a client sends
 * does not pass for one by chance (and one that did could only be refused or written as a number).
 */

const TAG = Math.random().toString(36).slice(2);
/** Marks what `parseJson` read. */
const MARK = `\u0000sf${TAG}:`;
/**
 * Marks what is to be written as a number: another mark, so a read value that lands where no tensor
 * data belongs (a request id of `NaN`) is written back as the string it became, never as a bare token.
 */
const OUT_MARK = `\u0000sf${TAG}=`;
/** The mark as JSON.stringify writes it inside a string. */
const WRITTEN_MARK = JSON.stringify(OUT_MARK).slice(1, -1);
// Only a number's characters are written bare: a marked string can never add JSON structure.
const WRITTEN = new RegExp(`"${WRITTEN_MARK.replace(/\\/g, '\\\\')}(-?\\d+(?:\\.\\d+)?)"`, 'g');

/** Worth the scan: a token JSON.parse refuses, or an integer it would round. */
const SPECIAL = /NaN|Infinity|\d{16}/;

/** A marked string for `text` (written back as `text` itself by `stringifyJson`). */
export const rawNumber = (text: string): string => OUT_MARK + text;

/** The exact text of a marked number, or undefined for any other value. */
export function rawNumberText(value: unknown): string | undefined {
  return typeof value === 'string' && value.startsWith(MARK) ? value.slice(MARK.length) : undefined;
}

/** JSON.parse, plus `NaN`, `Infinity`, `-Infinity` and long integers kept as marked strings. */
export function parseJson(text: string): unknown {
  if (!SPECIAL.test(text)) return JSON.parse(text);
  return JSON.parse(markSpecialNumbers(text));
}

/** JSON.stringify, with marked strings written as the numbers they hold. */
export function stringifyJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes(WRITTEN_MARK) ? json.replace(WRITTEN, '$1') : json;
}

/** A string (kept as it is), a special token, or a number literal: what the scan looks at, in order. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN|-?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?/g;
const MARKED = /^(?:-?Infinity|NaN|-?\d{16,})$/;

/** Rewrites the special tokens and long integers outside strings as marked strings; the rest is copied. */
function markSpecialNumbers(text: string): string {
  return text.replace(TOKEN, (token) => (MARKED.test(token) ? JSON.stringify(MARK + token) : token));
}
