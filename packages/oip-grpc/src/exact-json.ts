/**
 * JSON.parse for OIP answers that keeps integers past 2^53 exact: such integer tokens (outside
 * strings) are read as their decimal text instead of a rounded number. Pools that write INT64 tensor
 * data in JSON (Triton does, exactly) would otherwise lose digits on the way to raw_output_contents.
 */
export function parseExact(text: string): unknown {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string, escapes included.
      for (i++; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      continue;
    }
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    let j = i + 1;
    while (j < text.length && /[0-9eE.+-]/.test(text[j] as string)) j++;
    const token = text.slice(i, j);
    if (/^-?\d{16,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
      out += `${text.slice(from, i)}"${token}"`;
      from = j;
    }
    i = j - 1;
  }
  return JSON.parse(from === 0 ? text : out + text.slice(from));
}
