/**
 * The numbers of OIP JSON that JavaScript's JSON cannot hold, read and written as Triton does
 * (its rapidjson parses and writes `NaN`, `Infinity` and `-Infinity`, and 64-bit integers exactly;
 * NVIDIA's Python client sends them so):
 * - reading, a bare `NaN`, `Infinity`, `-Infinity` or an integer of 16 digits or more (past 2^53 it
 *   would be rounded) outside strings becomes a marked string holding its exact text, which
 *   `tensorFromJson` turns into the tensor's value (a float, or a 64-bit integer exactly);
 * - writing, a marked string becomes its text again: 64-bit integers past 2^53 exactly, and `-0.0`
 *   for a float negative zero (`JSON.stringify` writes `0`, which Python reads as an integer zero).
 * The marks start with U+0000 and a random tag drawn once per process, so no string a client sends
 * can pass for one.
 */

const TAG = Array.from(
  typeof crypto !== 'undefined' ? crypto.getRandomValues(new Uint8Array(8)) : Uint8Array.from({ length: 8 }, () => Math.floor(Math.random() * 256)),
  (b) => b.toString(16).padStart(2, '0'),
).join('');
/** Marks what `parseJson` read. */
const MARK = `\u0000sf${TAG}:`;
/**
 * Marks what is to be written as a number: another mark, so a read value that lands where no tensor
 * data belongs (a request id of `NaN`) is written back as the string it became, never as a bare token.
 */
const OUT_MARK = `\u0000sf${TAG}=`;
/** The mark as JSON.stringify writes it inside a string. */
const WRITTEN_MARK = JSON.stringify(OUT_MARK).slice(1, -1);
const WRITTEN = new RegExp(`"${WRITTEN_MARK.replace(/\\/g, '\\\\')}([^"]*)"`, 'g');

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

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Rewrites the special tokens and long integers outside strings as marked strings; the rest is copied. */
function markSpecialNumbers(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let i = 0;
  const n = text.length;
  const mark = (start: number, end: number) => {
    parts.push(text.slice(copied, start), JSON.stringify(MARK + text.slice(start, end)));
    copied = end;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // A string: skip to its closing quote, past escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (c === 78 && text.startsWith('NaN', i)) {
      mark(i, i + 3);
      i += 3;
    } else if (c === 73 && text.startsWith('Infinity', i)) {
      mark(i, i + 8);
      i += 8;
    } else if (c === 45 && text.startsWith('-Infinity', i)) {
      mark(i, i + 9);
      i += 9;
    } else if (c === 45 || isDigit(c)) {
      const start = i;
      if (c === 45) i++;
      const digitsFrom = i;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const digits = i - digitsFrom;
      const next = i < n ? text.charCodeAt(i) : 0;
      const fraction = next === 46 || next === 101 || next === 69;
      if (fraction) {
        // A float literal: JSON.parse reads it as well as anyone; copied as it is.
        i++;
        while (i < n && /[0-9eE+\-.]/.test(text[i] as string)) i++;
      } else if (digits >= 16) mark(start, i);
    } else i++;
  }
  if (copied === 0) return text;
  parts.push(text.slice(copied));
  return parts.join('');
}
