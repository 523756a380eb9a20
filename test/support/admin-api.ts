/** An admin API answer: status and the parsed JSON body (undefined when empty). */
export interface AdminAnswer {
  status: number;
  /** Whatever the resource returns: the tests read it. */
  body: any;
}

/** One admin API request (`/api/admin/v1` + `path`) with a bearer token; a body is sent as JSON. */
export async function adminCall(url: string, token: string, method: string, path: string, body?: unknown): Promise<AdminAnswer> {
  const response = await fetch(`${url}/api/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}
