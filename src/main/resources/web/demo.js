// The Portcullis browser demo: a complete protocol v1 client with no build step and no library. It logs in
// over the HTTP API, opens the WebSocket that GET /client-config names, passes the gate, joins rooms and
// chats, refreshes its token, can seal every frame with Fernet, and shows each state transition and close
// as it happens with what protocol.md §6 advises. Section numbers (§) are those of protocol.md.

import * as api from "/api.js";
import * as fernet from "/fernet.js";
import { adviceFor, movesFor } from "/closes.js";
import { Rooms } from "/rooms.js";
import { $, clock, drawClose, drawFrame, drawTransition, formatDuration, note, resetMachine, status } from "/view.js";

/** Everything the page knows. Browsers run this module on one thread: nothing here needs a lock. */
const app = {
  wsUrl: null,
  token: null, // the access token: in this variable only, never in storage
  claims: {}, // its payload, decoded for display; the page cannot verify it (§3)
  sessionEnd: 0, // the connection's end, epoch seconds, from auth_ok or refreshed
  ws: null, // the current socket; events of older ones are ignored
  mode: "token", // how the current connection authenticates
  state: "IDLE",
  stopped: true, // the person disconnected: no automatic reconnect
  failures: 0, // consecutive failed attempts, for the backoff of §6
  reconnectAt: 0,
  reconnectTimer: null,
  reconnectWhy: "", // what the planned reconnect follows, when it is not a close
  key: null, // Fernet keys, when encryption was asked for
  encrypted: false, // auth_ok granted encryption: every later frame is a Fernet token
  inbound: Promise.resolve(), // WebCrypto is asynchronous: these chains keep frames in order
  outbound: Promise.resolve(),
  nextId: 1,
  pausedUntil: 0, // after rate_limited, nothing is sent before this time (§12.1)
  refreshing: false,
  httpTrouble: false, // the login status shows a failure of the API that passes (503)
  refreshes: 0,
};
const rooms = new Rooms(syncControls);

init();

async function init() {
  $("page-origin").textContent = location.origin;
  $("login-form").addEventListener("submit", (e) => { e.preventDefault(); login(); });
  $("logout-btn").addEventListener("click", logout);
  $("connect-btn").addEventListener("click", () => { app.stopped = false; app.failures = 0; connect(); });
  $("disconnect-btn").addEventListener("click", disconnect);
  $("refresh-btn").addEventListener("click", () => refreshToken("asked for"));
  $("auth-mode").addEventListener("change", syncControls);
  $("encrypt").addEventListener("change", syncControls);
  $("join-form").addEventListener("submit", (e) => { e.preventDefault(); send({ type: "join", room: $("room-input").value.trim() }); });
  $("send-form").addEventListener("submit", (e) => { e.preventDefault(); sendChat(); });
  $("leave-btn").addEventListener("click", () => send({ type: "leave", room: rooms.current }));
  if (!fernet.available()) {
    $("encrypt").parentElement.title = "WebCrypto needs a secure context: https:, or http: on localhost";
  }
  setInterval(tick, 1000);
  const config = await api.clientConfig();
  app.wsUrl = config.ok ? config.body.ws_url : null;
  $("ws-url").textContent = app.wsUrl || "unknown";
  if (!config.ok) {
    status("connect-status", config.message, "bad");
  }
  syncControls();
}

// ---------------------------------------------------------------- credentials over HTTP

async function login() {
  status("login-status", "Logging in…");
  const res = await api.login($("username").value.trim(), $("password").value);
  if (res.ok) {
    $("password").value = "";
    setToken(res.body.access_token);
    status("login-status", `Logged in as ${app.claims.sub}; the token lasts ${formatDuration(res.body.expires_in)}.`, "good");
  } else {
    status("login-status", res.message, "bad");
  }
}

/** POST with the token; on a refused token the page forgets it. Returns api.js's answer. */
async function withToken(path) {
  const res = await api.withToken(path, app.token);
  if (!res.ok) {
    if (res.status === 401) {
      dropToken(res.message);
    } else {
      status("login-status", res.message, "bad");
      app.httpTrouble = true;
    }
  } else if (app.httpTrouble) {
    app.httpTrouble = false; // the API answers again: the last failure no longer applies
    status("login-status", `Logged in as ${app.claims.sub}.`, "good");
  }
  return res;
}

/** An answer that passes (§7: 503, e.g. broker_unavailable while a cluster is cut off from Redis; or no answer). */
function passing(res) {
  return res.status === 503 || res.status === 0;
}

async function logout() {
  if ((await withToken("/auth/logout")).ok) {
    dropToken("Logged out: the token is revoked; connections that used it close with Token revoked.");
  }
}

/** On expiring (§4.11) or on demand: a fresh token over HTTP, then refresh over the socket (§4.9). */
async function refreshToken(why) {
  if (!app.token || app.refreshing) {
    return;
  }
  app.refreshing = true;
  const res = await withToken("/auth/refresh");
  app.refreshing = false;
  if (res.ok) {
    setToken(res.body.access_token);
    note(`new token from POST /auth/refresh (${why})`);
    send({ type: "refresh", token: app.token });
  } else if (passing(res) && app.state === "AUTHENTICATED") {
    // §7.5: the old token stays valid; try again after Retry-After while the connection lasts.
    const delay = Math.max(1000 * (res.retryAfter || 1), Math.random() * 2000);
    if (Date.now() + delay < app.sessionEnd * 1000) {
      note(`POST /auth/refresh answered ${res.status || "nothing"}; trying again in ${(delay / 1000).toFixed(1)} s`, "error");
      setTimeout(() => refreshToken(why), delay);
    }
  }
}

function setToken(token) {
  app.token = token;
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    app.claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    app.claims = {};
  }
  $("session-user").textContent = app.claims.sub || "—";
  $("session-roles").textContent = (app.claims.roles || []).join(", ") || "none";
  syncControls();
  tick();
}

function dropToken(message) {
  app.token = null;
  app.claims = {};
  status("login-status", message, "bad");
  syncControls();
}

// ---------------------------------------------------------------- the WebSocket

async function connect() {
  if (app.ws || !app.wsUrl) {
    return;
  }
  clearTimeout(app.reconnectTimer);
  app.reconnectAt = 0;
  app.mode = $("auth-mode").value;
  app.key = null;
  if ($("encrypt").checked && !$("encrypt").disabled) {
    try {
      app.key = await fernet.importKey($("fernet-key").value);
    } catch (err) {
      return status("connect-status", `Fernet key: ${err.message}`, "bad");
    }
  }
  let url = app.wsUrl;
  let first = null; // the auth message (§4.1), unless the credential rides on the handshake
  if (app.mode === "token") {
    first = { type: "auth", token: app.token };
  } else if (app.mode.startsWith("ticket")) {
    const res = await withToken("/auth/ticket"); // single-use, 30 s (§13.1)
    if (app.stopped || app.ws) {
      return undefined; // the person disconnected, or connected again, while the ticket was on its way
    }
    if (!res.ok) {
      // 503 broker_unavailable (a cluster cut off from Redis, §7.4) or no answer: the token is fine, so try
      // again as after a close, no sooner than Retry-After. 401: the token is gone; log in again.
      if (passing(res) && app.token && $("auto-reconnect").checked) {
        scheduleReconnect(1000 * (res.retryAfter || 1), `POST /auth/ticket answered ${res.status || "nothing"}`);
      } else {
        status("connect-status", "Not connected: no ticket (see the login status).", "bad");
      }
      syncControls();
      return undefined;
    }
    if (app.mode === "ticket") {
      first = { type: "auth", ticket: res.body.ticket };
    } else {
      url += `?ticket=${encodeURIComponent(res.body.ticket)}`;
    }
  }
  if (first && app.key) {
    first.encryption = "fernet";
  }
  const ws = new WebSocket(url);
  Object.assign(app, { ws, encrypted: false, inbound: Promise.resolve(), outbound: Promise.resolve() });
  resetMachine();
  transition("CONNECTING", "new WebSocket", url.replace(/ticket=.*/, "ticket=…"));
  status("connect-status", "Connecting…");
  ws.onopen = () => {
    if (ws !== app.ws) {
      return;
    }
    transition("AWAITING_AUTH", "handshake done", "101 Switching Protocols; the gate is down until auth_ok");
    if (first) {
      const text = JSON.stringify(first);
      ws.send(text); // in the clear: encryption starts after auth_ok
      drawFrame("out", text);
    } else {
      note(`no first message: the ${app.mode === "cookie" ? "login cookie" : "ticket"} came with the handshake`);
    }
  };
  ws.onmessage = (event) => {
    app.inbound = app.inbound.then(() => receive(ws, event.data))
      .catch((err) => note(`frame dropped: ${err.message}`, "error"));
  };
  ws.onclose = (event) => closed(ws, event);
  syncControls();
  return undefined;
}

function disconnect() {
  app.stopped = true;
  clearTimeout(app.reconnectTimer);
  app.reconnectAt = 0;
  if (app.ws) {
    app.ws.close(1000, "bye");
  }
  status("connect-status", "Disconnected.");
  syncControls();
}

/** One frame from the server: opened if sealed, then handled by type; unknown types are ignored (§1). */
async function receive(ws, data) {
  if (ws !== app.ws) {
    return;
  }
  let text = data;
  let sealed = null;
  // decryption_failed errors come in the clear (§14), and a Fernet token never starts with "{".
  if (app.encrypted && !data.startsWith("{")) {
    sealed = data;
    text = await fernet.decrypt(app.key, data);
  }
  drawFrame("in", text, sealed);
  const msg = JSON.parse(text);
  switch (msg.type) {
    case "auth_ok": authOk(msg); break;
    case "error":
      if (msg.code === "rate_limited") {
        app.pausedUntil = Date.now() + msg.retry_after_ms;
      }
      rooms.error(msg);
      if (msg.code === "broker_unavailable" && rooms.wanted.has(msg.room) && !rooms.members.has(msg.room)) {
        // A re-join the cluster could not carry out now (§5, §15): ask again after a backoff, not forgetting it.
        const room = msg.room;
        setTimeout(() => rooms.wanted.has(room) && !rooms.members.has(room) && send({ type: "join", room }),
          1000 + Math.random() * 2000);
      }
      break;
    case "joined": rooms.joined(msg); break;
    case "left": rooms.left(msg); break;
    case "message": rooms.message(msg); break;
    case "presence": rooms.presence(msg); break;
    case "expiring":
      note(`expiring: the token ends at ${clock(msg.expires_at * 1000)}`);
      if ($("auto-refresh").checked) {
        refreshToken("expiring arrived");
      }
      break;
    case "refreshed":
      app.sessionEnd = msg.expires_at;
      $("refresh-count").textContent = String(++app.refreshes);
      tick();
      break;
    default:
  }
}

function authOk(msg) {
  transition("AUTHENTICATED", "AUTH_SUCCEEDED", `auth_ok as ${msg.user}`);
  app.failures = 0;
  app.sessionEnd = msg.expires_at;
  app.encrypted = msg.encryption === "fernet";
  rooms.me = msg.user;
  $("session-user").textContent = msg.user;
  $("session-roles").textContent = msg.roles.join(", ") || "none";
  $("encryption-state").textContent = app.encrypted ? "Fernet tokens both ways" : "plain JSON";
  for (const room of rooms.wanted) {
    send({ type: "join", room }); // rooms belong to the connection: join them again (§11.2)
  }
  syncControls();
  tick();
}

/** Sends one message on an authenticated connection, sealed when encryption is on; false if it could not. */
function send(msg) {
  const ws = app.ws;
  if (!ws || app.state !== "AUTHENTICATED" || Date.now() < app.pausedUntil) {
    return false;
  }
  const text = JSON.stringify(msg);
  const encrypted = app.encrypted;
  app.outbound = app.outbound.then(async () => {
    const frame = encrypted ? await fernet.encrypt(app.key, text) : text;
    if (ws.readyState === WebSocket.OPEN) {
      ws.send(frame);
      drawFrame("out", text, encrypted ? frame : null);
    }
  }).catch((err) => note(`not sent: ${err.message}`, "error"));
  return true;
}

function sendChat() {
  const text = $("message-input").value;
  if (!text.trim()) {
    return;
  }
  const id = `web-${app.nextId++}`; // echoed in our own copy, which acknowledges the message (§4.7)
  if (!send({ type: "message", room: rooms.current, payload: text, id })) {
    note(Date.now() < app.pausedUntil ? "rate limited: wait a moment" : "not connected", "error");
    return;
  }
  rooms.sending(id, text);
  $("message-input").value = "";
}

/** A close, read back onto the server's state machine (§2) and §6's advice, and acted on. */
function closed(ws, { code, reason }) {
  if (ws !== app.ws) {
    return;
  }
  const advice = adviceFor(code, reason);
  const detail = `close ${code}${reason ? ` "${reason}"` : ""}; §6: ${SHORT_ADVICE[advice.policy]}`;
  for (const [to, event] of movesFor(app.state, code, reason)) {
    transition(to, event, to === "CLOSED" && app.state === "BLOCKED" ? "the socket closed" : detail);
  }
  Object.assign(app, { ws: null, encrypted: false });
  rooms.disconnected();
  drawClose(code, reason, advice);
  if (advice.policy === "relogin" || advice.policy === "logout") {
    dropToken(advice.policy === "logout" ? "This token was revoked: log in again." : `The server refused the token (${reason}): log in again.`);
  }
  const retry = advice.policy === "now" || advice.policy === "backoff"
    || (advice.policy === "ticket" && app.mode.startsWith("ticket") && app.token);
  if (app.stopped) {
    status("connect-status", "Disconnected.");
  } else if (!retry || !$("auto-reconnect").checked) {
    status("connect-status", `Closed with ${code}; not reconnecting (see Last close).`, "bad");
  } else if (advice.policy === "now") {
    scheduleReconnect(0, "", Math.random() * 1000); // a server that is shutting down: within 1 s (§6)
  } else {
    scheduleReconnect(0, "");
  }
  syncControls();
  tick();
}

/**
 * Plans the next connect(): §6's full jitter under ceilings of 1, 2, 4, ... 30 s (or `delay` when given),
 * and no sooner than `floor` ms (a Retry-After). `why` is shown while waiting.
 */
function scheduleReconnect(floor, why, delay = Math.random() * Math.min(30000, 1000 * 2 ** app.failures++)) {
  const wait = Math.max(floor, delay);
  app.reconnectAt = Date.now() + wait;
  app.reconnectWhy = why;
  app.reconnectTimer = setTimeout(() => { app.reconnectAt = 0; connect(); }, wait);
  tick();
}

const SHORT_ADVICE = {
  now: "reconnect at once",
  backoff: "reconnect with backoff",
  ticket: "reconnect with a new ticket",
  relogin: "log in again first",
  logout: "logged out: log in again only when asked",
  never: "do not reconnect automatically",
  none: "nothing to do",
};

function transition(to, event, detail) {
  drawTransition(app.state, to, event, detail);
  app.state = to;
}

// ---------------------------------------------------------------- controls

/** Once a second: the token's remaining time and a planned reconnect. */
function tick() {
  const end = app.sessionEnd || app.claims.exp;
  $("expires").textContent = end && (app.token || app.state === "AUTHENTICATED")
    ? `${clock(end * 1000)} (${end * 1000 > Date.now() ? `in ${formatDuration(end - Date.now() / 1000)}` : "passed"})` : "—";
  if (app.reconnectAt) {
    const wait = Math.max(0, (app.reconnectAt - Date.now()) / 1000).toFixed(1);
    const why = app.reconnectWhy ? ` after ${app.reconnectWhy}` : "";
    status("connect-status", `Reconnecting in ${wait} s (attempt ${app.failures + 1})${why}.`);
  } else if (app.state === "AUTHENTICATED") {
    status("connect-status", `Connected to ${app.wsUrl}`, "good");
  }
}

/** Enables what makes sense now. */
function syncControls() {
  const connected = app.ws !== null;
  const authed = connected && app.state === "AUTHENTICATED";
  const mode = $("auth-mode").value;
  $("auth-mode").disabled = connected;
  $("encrypt").disabled = connected || !fernet.available() || !["token", "ticket"].includes(mode);
  $("fernet-key").disabled = $("encrypt").disabled || !$("encrypt").checked;
  $("connect-btn").disabled = connected || !app.wsUrl || (!app.token && mode !== "cookie");
  $("disconnect-btn").disabled = !connected && !app.reconnectAt; // it also cancels a planned reconnect
  $("logout-btn").disabled = !app.token;
  $("refresh-btn").disabled = !app.token;
  $("join-btn").disabled = !authed;
  $("message-input").disabled = !authed || !rooms.inCurrent();
  $("send-btn").disabled = $("message-input").disabled;
  $("leave-btn").disabled = !authed || !rooms.inCurrent();
}
