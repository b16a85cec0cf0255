/**
 * Whether a fetch answered with the file. HTTP needs a 2xx. A `file:` URL has no HTTP: WebKit (iOS
 * WebViews, WebKitGTK) answers a readable file with status 0, so there a body counts; the SHA-256 of
 * every model file, and the catalog's validation, still judge what it holds.
 */
export function answered(response: Pick<Response, 'ok' | 'status' | 'body'>, url: string): boolean {
  if (response.ok) return true;
  return response.status === 0 && url.startsWith('file:') && response.body !== null;
}
