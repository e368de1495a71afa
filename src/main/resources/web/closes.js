// What a close means (protocol.md §6) and where it leaves the connection's state machine (§2). A browser
// sees only the close code and reason, so the server's event is read back from them.

/**
 * Every close the server sends, with §6's meaning and advice. The policy drives the page's automatic part:
 * now (at once), backoff, ticket (a new ticket, then as backoff), relogin, logout, never, none.
 */
const CLOSES = {
  "1008 Auth timeout": ["backoff", "No auth message arrived within --auth-timeout (5 s by default).",
    "Reconnect with backoff, sending auth as soon as the socket opens. Keep the token."],
  "1008 Server busy": ["backoff", "The server had --max-pending-connections connections waiting to authenticate, and this "
    + "was the oldest: it made room for a newer one.",
    "Reconnect with backoff, sending auth as soon as the socket opens. Keep the token."],
  "1008 Expected auth message": ["never", "The first message was not a well-formed auth (or a ticket while ticket mode is off).",
    "Never: a client bug."],
  "1008 Invalid token": ["relogin", "The token failed a check of §3 (signature, issuer, claims).",
    "Only with a new credential: log in again, then reconnect. If a fresh token is refused too, stop and report."],
  "1008 Token expired": ["relogin", "The token's exp (plus leeway) passed: at auth, or on an open connection without a refresh.",
    "Only with a new credential: log in again, then reconnect. Next time refresh on expiring."],
  "1008 Invalid or expired ticket": ["ticket", "The ticket is unknown, already used, or older than 30 s.",
    "Only with a new ticket: POST /auth/ticket, then reconnect at once."],
  "1008 Token revoked": ["logout", "A logout revoked this token, or every token of the user.",
    "Never with the same token. Show the user as logged out; log in again only when they ask."],
  "1008 User disabled": ["never", "The operator disabled or removed this user in the users file.",
    "Never automatically: tell the user."],
  "1008 Encryption unavailable": ["never", "auth asked for encryption the server does not offer (no Fernet keys, or another scheme).",
    "Not as it is: connect without encryption, or ask the operator to configure --fernet-keys."],
  "1008 Blocked for abuse": ["never", "The user was blocked (repeated violations, or an admin) while connected.",
    "Not automatically: every attempt gets User blocked until the block ends (1 h by default). Fix the cause first."],
  "1008 User blocked": ["never", "The token is valid but its user is blocked.",
    "Not automatically, and not with a new token: tell the user to contact the operator."],
  "1008 Slow consumer": ["backoff", "The client did not read fast enough: over --max-outbound-bytes waited for it.",
    "With backoff; keep the token, join the rooms again, and use seq to see what was missed."],
  "1008 Too many control frames": ["never", "The client sent more pings and pongs than the server allows (§10).",
    "Never: a client bug. The server pings every connection itself."],
  "1013 Server overloaded": ["backoff", "The server's memory budget was spent and this connection held the most of it.",
    "With backoff; keep the token, join the rooms again, and use seq to see what was missed."],
  "1001": ["now", "The server is shutting down.", "At once (spread over 0-1 s); if that fails, with backoff. Keep the token."],
  "1011 Try again later": ["backoff", "The server (a cluster instance) cannot reach its shared state, Redis, so the "
    + "credential could not be checked now; nothing is wrong with it, and it is not a failed auth.",
    "With backoff, with the same credential (a new ticket for each try in ticket mode)."],
  "1011": ["backoff", "A server bug.", "With backoff."],
  "1009": ["never", "A message over --max-message-bytes, or in too many fragments.", "Never resend that message: a client bug."],
  "1007": ["never", "A text message that was not UTF-8.", "Never: a client bug."],
  "1002": ["never", "An RFC 6455 violation.", "Never: a client or library bug."],
  "1006": ["backoff", "The connection ended without a close frame: network loss, a server crash, the heartbeat drop, "
    + "or an upgrade the server refused (403, 429, 503), which browsers all report as 1006.",
    "With backoff. A page that never gets past the handshake should check that its origin is allowed (--allowed-origins)."],
  "1000": ["none", "A normal close, started by this page.", "Nothing to do."],
};

/** §6 on a close: { policy, meaning, advice }. */
export function adviceFor(code, reason) {
  const entry = CLOSES[`${code} ${reason}`] || CLOSES[String(code)]
    || (code === 1008 ? ["never", "A 1008 reason this page does not know.", "Stop and report."] : CLOSES["1006"]);
  const [policy, meaning, advice] = entry;
  return { policy, meaning, advice };
}

/**
 * The moves of §2 that a close from `from` stands for, as [state, event] pairs. "handshake" is the
 * page's own name for the time before the upgrade, which the server's table does not have.
 */
export function movesFor(from, code, reason) {
  if (from === "CONNECTING") {
    return [["CLOSED", "handshake failed"]];
  }
  // §2: a close the server started for a cause of its own; 1000 and 1006 are the page's own or a lost TCP.
  const serverClose = [1001, 1002, 1007, 1008, 1009, 1011, 1013].includes(code) ? "SERVER_CLOSE" : "DISCONNECTED";
  if (from === "AWAITING_AUTH") {
    if (reason === "Auth timeout" || reason === "Server busy") {
      return [["CLOSED", "AUTH_TIMED_OUT"]];
    }
    // A refused auth closes with 1008, or with 1011 Try again later when a cluster cannot check it now.
    const refused = (code === 1008 && reason !== "Too many control frames") || (code === 1011 && reason === "Try again later");
    return [["CLOSED", refused ? "AUTH_FAILED" : serverClose]];
  }
  if (reason === "Blocked for abuse") {
    return [["BLOCKED", "BLOCK"], ["CLOSED", "DISCONNECTED"]];
  }
  if (code === 1008 && ["Token expired", "Token revoked", "User disabled"].includes(reason)) {
    return [["CLOSED", "CREDENTIAL_ENDED"]];
  }
  return [["CLOSED", serverClose]];
}
