import { SplitflowError } from '@splitflow/contract';

/**
 * Reads and edits the top-level `parameters` of an answer's JSON header as text, so every other byte
 * (tensor `data`, integers past 2^53, the spelling of each float) reaches the client as the endpoint
 * wrote it. A parse and re-encode with JavaScript numbers would round INT64 values; it also cost the
 * broker a full parse and stringify of every JSON answer, where one scan of the bytes does.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

const isSpace = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

function malformed(at: number): SplitflowError {
  return new SplitflowError('UPSTREAM_FAILED', { message: `the endpoint's answer header is not a JSON object (at byte ${at})` });
}

function skipSpace(text: Uint8Array, i: number): number {
  while (isSpace(text[i])) i++;
  return i;
}

/** The index just past the string that starts at `i` (a quote). */
function skipString(text: Uint8Array, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  throw malformed(i);
}

/** The index just past the value that starts at `i`; containers are matched by depth, strings skipped whole. */
function skipValue(text: Uint8Array, i: number): number {
  const c = text[i];
  if (c === QUOTE) return skipString(text, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === QUOTE) j = skipString(text, j) - 1;
      else if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw malformed(i);
  }
  let j = i;
  while (j < text.length && !isSpace(text[j]) && text[j] !== COMMA && text[j] !== CLOSE_BRACE && text[j] !== CLOSE_BRACKET) j++;
  if (j === i) throw malformed(i);
  return j;
}

interface Member {
  /** The key as written, quotes included. */
  keyStart: number;
  key: string;
  valueStart: number;
  valueEnd: number;
}

/** The members of the object that starts at `start` (a brace), and the index of its closing brace. */
function membersOf(text: Uint8Array, start: number): { members: Member[]; close: number } {
  const members: Member[] = [];
  let i = skipSpace(text, start + 1);
  if (text[i] === CLOSE_BRACE) return { members, close: i };
  for (;;) {
    if (text[i] !== QUOTE) throw malformed(i);
    const keyEnd = skipString(text, i);
    const key = JSON.parse(Buffer.from(text.buffer, text.byteOffset + i, keyEnd - i).toString('utf8')) as string;
    let j = skipSpace(text, keyEnd);
    if (text[j] !== COLON) throw malformed(j);
    const valueStart = skipSpace(text, j + 1);
    const valueEnd = skipValue(text, valueStart);
    members.push({ keyStart: i, key, valueStart, valueEnd });
    j = skipSpace(text, valueEnd);
    if (text[j] === CLOSE_BRACE) return { members, close: j };
    if (text[j] !== COMMA) throw malformed(j);
    i = skipSpace(text, j + 1);
  }
}

/** Where a JSON header's top-level members and its `parameters` object lie: one scan, no parse of tensor data. */
export interface HeaderLayout {
  readonly bytes: Uint8Array;
  readonly members: readonly Member[];
  /** Index of the top-level closing brace. */
  readonly close: number;
  /** The `parameters` member (the last one, as JSON.parse would take it). */
  readonly parameters: Member | undefined;
}

/** Scans an answer's JSON header; one that is not a JSON object is UPSTREAM_FAILED. */
export function scanHeader(bytes: Uint8Array): HeaderLayout {
  const start = skipSpace(bytes, 0);
  if (bytes[start] !== OPEN_BRACE) throw malformed(start);
  const { members, close } = membersOf(bytes, start);
  if (skipSpace(bytes, close + 1) !== bytes.length) throw malformed(close + 1);
  return { bytes, members, close, parameters: members.findLast((m) => m.key === 'parameters') };
}

/** The header's `parameters`, parsed on their own (they hold scalars, never tensor data); {} when absent or not an object. */
export function parametersOf(layout: HeaderLayout): Record<string, unknown> {
  const m = layout.parameters;
  if (m === undefined || layout.bytes[m.valueStart] !== OPEN_BRACE) return {};
  try {
    return JSON.parse(new TextDecoder().decode(layout.bytes.subarray(m.valueStart, m.valueEnd))) as Record<string, unknown>;
  } catch {
    throw malformed(m.valueStart);
  }
}

/**
 * The header with `added` set in its top-level `parameters` (created when absent; members of the same
 * name are replaced, so no key appears twice for parsers that keep the first of duplicates).
 */
export function spliceParameters(layout: HeaderLayout, added: Record<string, string | number | boolean>): Buffer {
  const header = layout.bytes;
  const addedText = Object.entries(added)
    .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`)
    .join(',');
  const bytes = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  const own = layout.parameters;
  if (own !== undefined && header[own.valueStart] !== OPEN_BRACE) {
    // Not an object (null, say): the route's parameters take its place.
    return Buffer.concat([bytes.subarray(0, own.valueStart), Buffer.from(`{${addedText}}`), bytes.subarray(own.valueEnd)]);
  }
  if (own === undefined) {
    const member = `"parameters":{${addedText}}`;
    return Buffer.concat([bytes.subarray(0, layout.close), Buffer.from(layout.members.length > 0 ? `,${member}` : member), bytes.subarray(layout.close)]);
  }
  const params = membersOf(header, own.valueStart);
  const kept = params.members.filter((m) => !Object.hasOwn(added, m.key)).map((m) => bytes.subarray(m.keyStart, m.valueEnd));
  const parts: Buffer[] = [bytes.subarray(0, own.valueStart), Buffer.from('{')];
  kept.forEach((m, i) => {
    if (i > 0) parts.push(Buffer.from(','));
    parts.push(m);
  });
  if (addedText.length > 0) parts.push(Buffer.from(kept.length > 0 ? `,${addedText}` : addedText));
  parts.push(Buffer.from('}'), bytes.subarray(own.valueEnd));
  return Buffer.concat(parts);
}
