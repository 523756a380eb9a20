import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** Every outbound call of the guard: the whole exchange within this, */
const TIMEOUT_MS = 5000;
/** and an answer no larger than this. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** A call to the authorization server that failed or was refused; the message names the URL, never a token. */
export class FetchFailed extends Error {
  override name = 'FetchFailed';
}

export interface JsonResponse {
  status: number;
  body: unknown;
  /** Cache-Control max-age, seconds, when sent. */
  maxAge?: number;
}

/**
 * The guard's only way out: discovery, JWKS and introspection. https only (unless the
 * deployment allows http for development), redirects never followed (a 3xx is a failure),
 * 5 s for the whole exchange and 64 KiB for the answer, which must be JSON.
 */
export class BoundedFetch {
  constructor(private readonly allowInsecureHttp: boolean) {}

  /** GET, 200 required; the shape RemoteJwks expects of a fetcher. */
  async fetchJson(uri: string): Promise<{ body: unknown; maxAge?: number }> {
    const response = await this.send(uri, 'GET', { accept: 'application/json, application/jwk-set+json' });
    if (response.status !== 200) throw new FetchFailed(`${uri}: HTTP ${response.status}`);
    return response;
  }

  /** POST an urlencoded form; any status is returned (the caller decides). */
  postForm(uri: string, form: URLSearchParams, headers: Record<string, string>): Promise<JsonResponse> {
    const body = form.toString();
    return this.send(uri, 'POST', { ...headers, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) }, body);
  }

  private send(uri: string, method: string, headers: Record<string, string>, body?: string): Promise<JsonResponse> {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      return Promise.reject(new FetchFailed(`not a URL: ${uri}`));
    }
    if (url.protocol !== 'https:' && !(this.allowInsecureHttp && url.protocol === 'http:')) {
      return Promise.reject(new FetchFailed(`${url.origin}: only https is allowed (allowInsecureHttp is off)`));
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => request.destroy(new FetchFailed(`${url.href}: no complete answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
      const fail = (error: Error) => {
        clearTimeout(deadline);
        reject(error instanceof FetchFailed ? error : new FetchFailed(`${url.href}: ${error.message}`));
      };
      const request = send(url, { method, headers }, (response) => {
        const tooLarge = () => {
          response.destroy();
          fail(new FetchFailed(`${url.href}: answer larger than ${MAX_RESPONSE_BYTES} bytes`));
        };
        if (Number(response.headers['content-length'] ?? 0) > MAX_RESPONSE_BYTES) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_RESPONSE_BYTES) tooLarge();
          else chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          clearTimeout(deadline);
          const status = response.statusCode ?? 0;
          if (status >= 300 && status < 400) return reject(new FetchFailed(`${url.href}: HTTP ${status} (redirects are not followed)`));
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return reject(new FetchFailed(`${url.href}: HTTP ${status}, the answer is not JSON`));
          }
          const maxAge = /(?:^|,)\s*max-age=(\d+)/i.exec(String(response.headers['cache-control'] ?? ''));
          resolve({ status, body: parsed, maxAge: maxAge ? Number(maxAge[1]) : undefined });
        });
      });
      request.on('error', fail);
      request.end(body);
    });
  }
}
