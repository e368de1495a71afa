// The HTTP API calls of the demo (protocol.md §7, §13), on the page's own origin, so no CORS is involved.
// Each returns { ok, status, body, message }: message is what to tell the person when ok is false.

/** POST /auth/login (§7.1). */
export async function login(username, password) {
  return call("/auth/login", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  }, {
    401: () => "Wrong username or password (401 invalid_credentials).",
    429: (res) => `Too many failed logins: wait ${res.headers.get("Retry-After") || 60} s (429, §12.5).`,
    503: () => "The server is busy with other logins (503): try again in a second.",
  });
}

/** POST /auth/ticket, /auth/refresh or /auth/logout (§13) with the access token as Bearer. */
export async function withToken(path, token) {
  return call(path, { method: "POST", headers: { Authorization: `Bearer ${token}` } }, {
    401: (res, body) => `${path} refused the token (401 ${body.error}): log in again.`,
  });
}

/** GET /client-config: where the WebSocket listener is. */
export async function clientConfig() {
  return call("/client-config", { cache: "no-store" }, {});
}

async function call(path, init, explain) {
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    return { ok: false, status: 0, body: {}, message: `${path}: ${err.message}` };
  }
  const body = await res.json().catch(() => ({}));
  const ok = res.status === 200;
  const message = ok ? "" : explain[res.status] ? explain[res.status](res, body)
    : `${path} failed: HTTP ${res.status} ${body.error || ""}`;
  return { ok, status: res.status, body, message };
}
