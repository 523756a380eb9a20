import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  /** `WWW-Authenticate`, or null. */
  challenge: string | null;
  body: unknown;
}

/**
 * One HTTP/1.1 request through node:http, whose headers may repeat — an array value is sent as
 * one field line per item — which `fetch` cannot do: it joins repeated values into one line.
 * The connection is closed after the answer.
 */
export function rawRequest(url: string, options: { method?: string; headers?: Record<string, string | string[]>; body?: string } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: options.method ?? 'GET', headers: { connection: 'close', ...options.headers } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const challenge = response.headers['www-authenticate'];
        resolve({ status: response.statusCode!, challenge: challenge ?? null, body: text ? JSON.parse(text) : undefined });
      });
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}
