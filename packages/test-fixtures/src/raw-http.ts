import { connect } from 'node:net';

// Test support: HTTP as a misbehaving client speaks it, over a raw TCP socket.

export interface RawAnswer {
  /** Status of the first answer, or undefined when none came. */
  status: number | undefined;
  headers: Record<string, string>;
  /** The first answer's body as text. */
  body: string;
  /** How the connection ended: the server closed it, reset it, or the client closed it after `holdMs`. */
  ended: 'closed' | 'reset' | 'client';
  /** Write failures (EPIPE, ECONNRESET) while still sending. */
  writeError: string | undefined;
}

export interface RawOptions {
  /** Pauses before each part after the first. @default 0 */
  gapMs?: number;
  /** Close from our side this long after the last part if the server has not. @default 5000 */
  holdMs?: number;
  /** Read nothing until every part is sent, as clients that write the whole body first do. @default false */
  readAfterSending?: boolean;
  /** Close from our side as soon as one whole answer (by its content-length) has arrived. @default false */
  untilAnswer?: boolean;
}

/** Sends `parts` in order (with gaps) and reads until the server ends the connection or `holdMs` passes. */
export function rawExchange(port: number, parts: readonly (string | Buffer)[], options: RawOptions = {}): Promise<RawAnswer> {
  const gapMs = options.gapMs ?? 0;
  const holdMs = options.holdMs ?? 5000;
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let writeError: string | undefined;
    let ended: RawAnswer['ended'] | undefined;
    let hold: NodeJS.Timeout | undefined;
    const finish = () => {
      if (hold) clearTimeout(hold);
      resolve({ ...parse(Buffer.concat(received).toString('latin1')), ended: ended ?? 'client', writeError });
    };
    socket.on('data', (chunk) => {
      received.push(chunk);
      if (options.untilAnswer && complete(Buffer.concat(received).toString('latin1'))) {
        ended ??= 'client';
        socket.destroy();
      }
    });
    socket.on('error', (error: Error & { code?: string }) => {
      if (error.code === 'ECONNRESET') ended ??= 'reset';
      else writeError ??= error.code ?? error.message;
    });
    socket.on('end', () => {
      ended ??= 'closed';
    });
    socket.on('close', finish);
    if (options.readAfterSending) socket.pause();
    socket.on('connect', async () => {
      for (const [i, part] of parts.entries()) {
        if (i > 0 && gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
        if (socket.destroyed || ended) break;
        await new Promise<void>((r) =>
          socket.write(part, (error) => {
            if (error) writeError ??= (error as Error & { code?: string }).code ?? error.message;
            r();
          }),
        );
      }
      socket.resume();
      hold = setTimeout(() => socket.destroy(), holdMs);
    });
  });
}

function complete(text: string): boolean {
  const answer = parse(text);
  if (answer.status === undefined) return false;
  const length = Number(answer.headers['content-length'] ?? Number.NaN);
  if (Number.isNaN(length)) return false;
  return Buffer.byteLength(answer.body, 'latin1') >= length;
}

function parse(raw: string): Pick<RawAnswer, 'status' | 'headers' | 'body'> {
  // Interim answers (100 Continue) come before the answer itself.
  let text = raw;
  while (/^HTTP\/1\.[01] 1\d\d /.test(text) && text.includes('\r\n\r\n')) text = text.slice(text.indexOf('\r\n\r\n') + 4);
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return { status: undefined, headers: {}, body: '' };
  const [statusLine = '', ...lines] = text.slice(0, headEnd).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? Number.NaN);
  const rest = text.slice(headEnd + 4);
  return { status: Number(statusLine.split(' ')[1]), headers, body: Number.isNaN(length) ? rest : rest.slice(0, length) };
}
