// Admin API PATCHes of one client, one after the other, until SIGTERM; then prints the PATCHes per
// second it made. A process of its own: bench/run.mjs blocks its event loop while wrk runs.
// Usage: node bench/admin-writes.mjs <base URL> <admin client_id> <admin secret> <client_id to patch>
const [base, adminId, adminSecret, clientId] = process.argv.slice(2);
const basic = `Basic ${Buffer.from(`${adminId}:${adminSecret}`).toString('base64')}`;
let running = true;
let count = 0;
const started = Date.now();

async function adminToken() {
  const answer = await fetch(`${base}/oauth2/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&scope=admin' });
  return (await answer.json()).access_token;
}

process.on('SIGTERM', () => (running = false));
let token = await adminToken();
while (running) {
  const answer = await fetch(`${base}/api/admin/v1/clients/${clientId}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: `bench ${count}` }),
  });
  await answer.arrayBuffer();
  // Tokens may live a second here: take a new one when it expired.
  if (answer.status === 401) token = await adminToken();
  else if (answer.status !== 200) throw new Error(`admin PATCH answered ${answer.status}`);
  else count++;
}
console.log(((count * 1000) / (Date.now() - started)).toFixed(1));
