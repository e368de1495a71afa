// The HTTP API calls of the demo (protocol.md §7, §13), on the page's own origin, so no CORS is involved.
// Each returns { ok, status, body, message, retryAfter }: message is what to tell the person when ok is false,
// retryAfter the Retry-After header in seconds (0 when absent).

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
    // §7, §15: a cluster instance cut off from Redis; the token is fine, nothing was done.
    503: (res, body) => body.error === "broker_unavailable"
      ? `The server cannot reach its cluster's shared state just now (503 broker_unavailable): nothing was done, `
        + `and the token is still good. Try again in ${res.headers.get("Retry-After") || 1} s or more.`
      : `${path} failed: HTTP 503 ${body.error || ""}; try again in a moment.`,
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
    return { ok: false, status: 0, body: {}, message: `${path}: ${err.message}`, retryAfter: 0 };
  }
  const body = await res.json().catch(() => ({}));
  const ok = res.status === 200;
  const message = ok ? "" : explain[res.status] ? explain[res.status](res, body)
    : `${path} failed: HTTP ${res.status} ${body.error || ""}`;
  const retryAfter = Number.parseInt(res.headers.get("Retry-After"), 10) || 0;
  return { ok, status: res.status, body, message, retryAfter };
}
