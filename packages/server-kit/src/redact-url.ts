/** Query parameters whose values are credentials: never written to a log. */
const SECRET = /key|token|secret|password|passwd|auth|sig|credential/i;

/**
 * A request URL fit for a log line: the values of query parameters that look like credentials
 * (`?api_key=...`, `?token=...`) replaced by `[redacted]`, everything else as sent.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      let name = eq < 0 ? pair : pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {}
      return eq >= 0 && SECRET.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}
