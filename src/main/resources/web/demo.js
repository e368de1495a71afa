// The Portcullis browser demo: a complete protocol v1 client in one file, no build, no library.
// It logs in over the HTTP API, opens the WebSocket the server names in GET /client-config, passes the gate,
// joins rooms and chats, refreshes its token, can seal every frame with Fernet, and shows each state
// transition and close as it happens, with what protocol.md §6 says to do about it.
// Section numbers (§) are those of protocol.md.

import * as fernet from "/fernet.js";

const $ = (id) => document.getElementById(id);

/** Everything the page knows. Browsers run this module on one thread: no locking anywhere. */
const app = {
  wsUrl: null,
  token: null, // the access token: in this variable only, never in storage
  tokenClaims: {}, // its payload, decoded for display (the page cannot verify it, §3)
  sessionEnd: 0, // the connection's end, epoch seconds: auth_ok or refreshed expires_at (0: none)
  ws: null,
  mode: "token",
  state: "IDLE",
  stopped: true, // the user disconnected: no automatic reconnect
  failures: 0, // consecutive failed attempts, for the backoff of §6
  reconnectAt: 0,
  reconnectTimer: null,
  key: null, // Fernet keys when encryption was asked for
  encrypted: false, // auth_ok granted encryption: every later frame is a Fernet token
  inbound: Promise.resolve(), // decryption is asynchronous; these chains keep frames in order
  outbound: Promise.resolve(),
  rooms: new Map(), // room -> { members: Set, unread }: this connection's rooms (§11)
  wanted: new Set(), // rooms to join again after a reconnect
  logs: new Map(), // room -> chat lines (DOM nodes), kept across reconnects
  current: null,
  pending: new Map(), // client id -> chat line, until the sender's own copy acknowledges it (§4.7)
  nextId: 1,
  pausedUntil: 0, // rate_limited: nothing is sent before this time (§12.1)
  refreshing: false,
  refreshCount: 0,
};

/** What §6 says about each close: what it means and whether to reconnect. policy drives the automatic part. */
const CLOSES = {
  "1008 Auth timeout": ["backoff", "No auth message arrived within --auth-timeout (5 s by default).",
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
  "1001": ["now", "The server is shutting down.", "At once (spread over 0-1 s); if that fails, with backoff. Keep the token."],
  "1011": ["backoff", "A server bug.", "With backoff."],
  "1009": ["never", "A message over --max-message-bytes.", "Never resend that message: a client bug."],
  "1007": ["never", "A text message that was not UTF-8.", "Never: a client bug."],
  "1002": ["never", "An RFC 6455 violation.", "Never: a client or library bug."],
  "1006": ["backoff", "The connection ended without a close frame: network loss, a server crash, the heartbeat drop, "
    + "or an upgrade the server refused (403, 429, 503), which browsers all report as 1006.",
    "With backoff. A page that never gets past the handshake should check that its origin is allowed (--allowed-origins)."],
  "1000": ["none", "A normal close, started by this page.", "Nothing to do."],
};

// ---------------------------------------------------------------- start

init();

async function init() {
  $("page-origin").textContent = location.origin;
  $("login-form").addEventListener("submit", (e) => { e.preventDefault(); login(); });
  $("logout-btn").addEventListener("click", logout);
  $("connect-btn").addEventListener("click", () => { app.stopped = false; app.failures = 0; connect(); });
  $("disconnect-btn").addEventListener("click", disconnect);
  $("refresh-btn").addEventListener("click", () => refreshToken("asked by the user"));
  $("auth-mode").addEventListener("change", syncControls);
  $("encrypt").addEventListener("change", syncControls);
  $("join-form").addEventListener("submit", (e) => { e.preventDefault(); join($("room-input").value.trim()); });
  $("send-form").addEventListener("submit", (e) => { e.preventDefault(); sendChat(); });
  $("leave-btn").addEventListener("click", () => app.current && send({ type: "leave", room: app.current }));
  setInterval(tick, 1000);
  if (!fernet.available()) {
    $("encrypt").disabled = true;
    $("encrypt").parentElement.title = "WebCrypto needs a secure context: https:, or http: on localhost";
  }
  try {
    const res = await fetch("/client-config", { cache: "no-store" });
    app.wsUrl = (await res.json()).ws_url;
    $("ws-url").textContent = app.wsUrl;
  } catch (err) {
    $("ws-url").textContent = "unknown";
    status("connect-status", `GET /client-config failed: ${err.message}`, "bad");
  }
  syncControls();
}

// ---------------------------------------------------------------- HTTP API (§7, §13)

async function login() {
  const username = $("username").value.trim();
  const password = $("password").value;
  status("login-status", "Logging in…");
  let res;
  try {
    res = await fetch("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
  } catch (err) {
    return status("login-status", `Login failed: ${err.message}`, "bad");
  }
  const body = await res.json().catch(() => ({}));
  if (res.status === 200) {
    $("password").value = "";
    setToken(body.access_token);
    status("login-status", `Logged in as ${app.tokenClaims.sub}; the token lasts ${formatDuration(body.expires_in)}.`, "good");
  } else if (res.status === 401) {
    status("login-status", "Wrong username or password (401 invalid_credentials).", "bad");
  } else if (res.status === 429) {
    status("login-status", `Too many failed logins: wait ${res.headers.get("Retry-After") || 60} s (429, §12.5).`, "bad");
  } else if (res.status === 503) {
    status("login-status", "The server is busy with other logins (503): try again in a second.", "bad");
  } else {
    status("login-status", `Login failed: HTTP ${res.status} ${body.error || ""}`, "bad");
  }
  syncControls();
}

/** POST with the access token as Bearer; the parsed answer, or null with the status line updated. */
async function bearerPost(path, what) {
  try {
    const res = await fetch(path, { method: "POST", headers: { Authorization: `Bearer ${app.token}` } });
    const body = await res.json().catch(() => ({}));
    if (res.status === 200) {
      return body;
    }
    if (res.status === 401) {
      dropToken(`${what} refused (401 ${body.error}): log in again.`);
    } else {
      status("login-status", `${what} failed: HTTP ${res.status} ${body.error || ""}`, "bad");
    }
  } catch (err) {
    status("login-status", `${what} failed: ${err.message}`, "bad");
  }
  return null;
}

async function logout() {
  const body = await bearerPost("/auth/logout", "Logout");
  if (body) {
    dropToken("Logged out: the token is revoked, and connections that used it close with Token revoked.");
  }
}

/** On expiring (§4.11), or on demand: a fresh token over HTTP (§7.5), then refresh over the socket (§4.9). */
async function refreshToken(why) {
  if (!app.token || app.refreshing) {
    return;
  }
  app.refreshing = true;
  try {
    const body = await bearerPost("/auth/refresh", "Refresh");
    if (body) {
      setToken(body.access_token);
      if (app.state === "AUTHENTICATED") {
        send({ type: "refresh", token: app.token });
      }
      note(`token refreshed (${why})`);
    }
  } finally {
    app.refreshing = false;
  }
}

function setToken(token) {
  app.token = token;
  try {
    app.tokenClaims = JSON.parse(new TextDecoder().decode(base64UrlBytes(token.split(".")[1])));
  } catch {
    app.tokenClaims = {};
  }
  $("session-user").textContent = app.tokenClaims.sub || "—";
  $("session-roles").textContent = (app.tokenClaims.roles || []).join(", ") || "none";
  syncControls();
  tick();
}

function dropToken(message) {
  app.token = null;
  app.tokenClaims = {};
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
  const encrypt = $("encrypt").checked && !$("encrypt").disabled;
  app.key = null;
  if (encrypt) {
    try {
      app.key = await fernet.importKey($("fernet-key").value);
    } catch (err) {
      return status("connect-status", `Fernet key: ${err.message}`, "bad");
    }
  }
  let url = app.wsUrl;
  let first = null;
  if (app.mode === "token") {
    if (!app.token) {
      return status("connect-status", "Log in first.", "bad");
    }
    first = { type: "auth", token: app.token };
  } else if (app.mode === "ticket" || app.mode === "ticket-url") {
    const body = app.token && await bearerPost("/auth/ticket", "Ticket");
    if (!body) {
      return status("connect-status", "No ticket: log in first.", "bad");
    }
    if (app.mode === "ticket") {
      first = { type: "auth", ticket: body.ticket };
    } else {
      url += (url.includes("?") ? "&" : "?") + "ticket=" + encodeURIComponent(body.ticket);
    }
  }
  if (first && app.key) {
    first.encryption = "fernet";
  }
  status("connect-status", "");
  const ws = new WebSocket(url);
  app.ws = ws;
  app.encrypted = false;
  app.inbound = Promise.resolve();
  app.outbound = Promise.resolve();
  resetMachine();
  transition("CONNECTING", "new WebSocket", url.replace(/ticket=[^&]+/, "ticket=…"));
  ws.onopen = () => {
    if (ws !== app.ws) {
      return;
    }
    transition("AWAITING_AUTH", "handshake done", "101 Switching Protocols; the gate is down until auth_ok");
    if (first) {
      const text = JSON.stringify(first);
      ws.send(text); // always in the clear: encryption starts after auth_ok
      wire("out", text);
    } else {
      note(app.mode === "cookie" ? "no first message: the login cookie rode on the handshake"
        : "no first message: the ticket rode in the URL");
    }
  };
  ws.onmessage = (event) => {
    app.inbound = app.inbound.then(() => receive(ws, event.data)).catch((err) => note(`frame dropped: ${err.message}`, "error"));
  };
  ws.onclose = (event) => closed(ws, event);
  syncControls();
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

/** One frame from the server: opened if sealed, then handled by type. Unknown types are ignored (§1). */
async function receive(ws, data) {
  if (ws !== app.ws) {
    return;
  }
  let text = data;
  let sealed = null;
  // The server's decryption_failed error comes in the clear, and a Fernet token never starts with "{".
  if (app.encrypted && !data.startsWith("{")) {
    sealed = data;
    text = await fernet.decrypt(app.key, data);
  }
  wire("in", text, sealed);
  const msg = JSON.parse(text);
  switch (msg.type) {
    case "auth_ok": return authOk(msg);
    case "error": return serverError(msg);
    case "joined": return joined(msg);
    case "left": return left(msg);
    case "message": return roomMessage(msg);
    case "presence": return presence(msg);
    case "expiring": return expiring(msg);
    case "refreshed":
      app.sessionEnd = msg.expires_at;
      $("refresh-count").textContent = String(++app.refreshCount);
      tick();
      return undefined;
    default: return undefined;
  }
}

function authOk(msg) {
  transition("AUTHENTICATED", "AUTH_SUCCEEDED", `auth_ok as ${msg.user}`);
  app.failures = 0;
  app.sessionEnd = msg.expires_at;
  app.encrypted = msg.encryption === "fernet";
  $("session-user").textContent = msg.user;
  $("session-roles").textContent = msg.roles.join(", ") || "none";
  $("encryption-state").textContent = app.encrypted ? "Fernet tokens both ways" : "plain JSON";
  if (app.key && !app.encrypted) {
    note("encryption was asked for but not granted; closing", "error");
    app.ws.close(1000, "encryption not granted");
  }
  for (const room of app.wanted) {
    send({ type: "join", room }); // rooms belong to the connection: join them again (§11.2)
  }
  syncControls();
  tick();
}

function serverError(msg) {
  if (msg.code === "rate_limited") {
    app.pausedUntil = Date.now() + msg.retry_after_ms;
  }
  const pending = msg.id && app.pending.get(msg.id);
  if (pending) {
    pending.classList.replace("pending", "failed");
    app.pending.delete(msg.id);
  }
  line(msg.room && app.logs.has(msg.room) ? msg.room : app.current, "error", `error ${msg.code}: ${msg.message}`);
}

function joined(msg) {
  app.rooms.set(msg.room, { members: new Set(msg.members), unread: 0 });
  app.wanted.add(msg.room);
  line(msg.room, "system", `joined ${msg.room}; present: ${msg.members.join(", ")}`);
  select(msg.room);
}

function left(msg) {
  app.rooms.delete(msg.room);
  app.wanted.delete(msg.room);
  line(msg.room, "system", `left ${msg.room}`);
  select(app.rooms.keys().next().value || null);
}

function roomMessage(msg) {
  const pending = msg.id && msg.from === app.tokenClaims.sub && app.pending.get(msg.id);
  const text = typeof msg.payload === "string" ? msg.payload
    : msg.payload && typeof msg.payload.text === "string" ? msg.payload.text : JSON.stringify(msg.payload);
  if (pending) {
    // The sender's own copy is its acknowledgement: the message now has its place (seq) in the room.
    app.pending.delete(msg.id);
    pending.classList.remove("pending");
    pending.querySelector(".meta").textContent = meta(msg.seq, msg.ts);
    return;
  }
  const li = chatLine(msg.room, msg.from, text, meta(msg.seq, msg.ts));
  li.classList.toggle("mine", msg.from === app.tokenClaims.sub);
}

function presence(msg) {
  const room = app.rooms.get(msg.room);
  if (room) {
    if (msg.event === "join") {
      room.members.add(msg.user);
    } else {
      room.members.delete(msg.user);
    }
  }
  line(msg.room, "system", `${msg.user} ${msg.event === "join" ? "arrived" : "left"}`);
  renderPresence();
}

function expiring(msg) {
  note(`expiring: the token ends at ${clock(msg.expires_at * 1000)}`);
  if ($("auto-refresh").checked) {
    refreshToken("expiring arrived");
  }
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
      wire("out", text, encrypted ? frame : null);
    }
  }).catch((err) => note(`not sent: ${err.message}`, "error"));
  return true;
}

function join(room) {
  if (room) {
    send({ type: "join", room });
  }
}

function sendChat() {
  const input = $("message-input");
  const text = input.value;
  if (!text.trim() || !app.current) {
    return;
  }
  const id = `web-${app.nextId++}`;
  if (!send({ type: "message", room: app.current, payload: text, id })) {
    return note(Date.now() < app.pausedUntil ? "rate limited: wait a moment" : "not connected", "error");
  }
  const li = chatLine(app.current, app.tokenClaims.sub, text, "sending…");
  li.classList.add("mine", "pending");
  app.pending.set(id, li);
  input.value = "";
}

/** The close, mapped onto the server's state machine (§2) and onto the advice of §6. */
function closed(ws, event) {
  if (ws !== app.ws) {
    return;
  }
  const { code, reason } = event;
  const from = app.state;
  const detail = `close ${code}${reason ? ` "${reason}"` : ""}`;
  if (from === "CONNECTING") {
    transition("CLOSED", "handshake failed", `${detail}: refused at the door or unreachable`);
  } else if (from === "AWAITING_AUTH") {
    transition("CLOSED", reason === "Auth timeout" ? "AUTH_TIMED_OUT" : code === 1008 ? "AUTH_FAILED" : "DISCONNECTED", detail);
  } else if (reason === "Blocked for abuse") {
    transition("BLOCKED", "BLOCK", detail);
    transition("CLOSED", "DISCONNECTED", "the socket closed");
  } else if (code === 1008 && ["Token expired", "Token revoked", "User disabled"].includes(reason)) {
    transition("CLOSED", "CREDENTIAL_ENDED", detail);
  } else {
    transition("CLOSED", "DISCONNECTED", detail);
  }
  app.ws = null;
  app.encrypted = false;
  app.rooms.clear();
  for (const li of app.pending.values()) {
    li.classList.replace("pending", "failed");
  }
  app.pending.clear();
  renderRooms();
  renderPresence();

  const [policy, meaning, advice] = CLOSES[`${code} ${reason}`] || CLOSES[String(code)]
    || (code === 1008 ? ["never", "A 1008 reason this page does not know.", "Stop and report."] : CLOSES["1006"]);
  $("close-code").textContent = String(code);
  $("close-reason").textContent = reason || "(no reason)";
  $("close-meaning").textContent = meaning;
  $("close-advice").textContent = advice;
  $("close-card").dataset.policy = policy;
  if (policy === "relogin" || policy === "logout") {
    dropToken(policy === "logout" ? "Logged out elsewhere: this token is revoked." : `The server refused the token (${reason}): log in again.`);
  }
  const ticketMode = app.mode === "ticket" || app.mode === "ticket-url";
  const retry = policy === "now" || policy === "backoff" || (policy === "ticket" && ticketMode && app.token);
  if (app.stopped) {
    status("connect-status", "Disconnected.");
  } else if (!retry || !$("auto-reconnect").checked) {
    status("connect-status", `Closed with ${code}; not reconnecting (see Last close).`, "bad");
  } else {
    // §6: full jitter, ceilings of 1, 2, 4, ... 30 s; a server shutting down gets a reconnect within 1 s.
    const ceiling = policy === "now" ? 1000 : Math.min(30000, 1000 * 2 ** app.failures++);
    const delay = Math.random() * ceiling;
    app.reconnectAt = Date.now() + delay;
    app.reconnectTimer = setTimeout(() => { app.reconnectAt = 0; connect(); }, delay);
  }
  syncControls();
  tick();
}

// ---------------------------------------------------------------- the state machine panel (§2)

function resetMachine() {
  for (const li of $("machine").children) {
    li.classList.remove("visited", "current");
  }
}

function transition(to, event, detail) {
  const from = app.state;
  app.state = to;
  const li = el("li", {},
    el("time", {}, clock(Date.now(), true)),
    el("span", { class: "move" }, `${label(from)} → ${label(to)}`),
    el("span", { class: "event" }, event),
    el("span", { class: "detail" }, detail || ""));
  li.dataset.to = to;
  append($("transitions"), li);
  for (const node of $("machine").children) {
    const current = node.dataset.state === to;
    node.classList.toggle("current", current);
    if (current) {
      node.classList.add("visited");
    }
  }
  $("state").textContent = to;
  $("state-badge").dataset.state = to;
}

function label(state) {
  return state === "IDLE" ? "—" : state === "CONNECTING" ? "handshake" : state;
}

// ---------------------------------------------------------------- rendering

function select(room) {
  app.current = room;
  const info = room && app.rooms.get(room);
  if (info) {
    info.unread = 0;
  }
  $("chat-log").replaceChildren(...(room ? app.logs.get(room) || [] : []));
  scrollDown($("chat-log"));
  renderRooms();
  renderPresence();
  syncControls();
}

function renderRooms() {
  const tabs = [...new Set([...app.rooms.keys(), ...app.wanted])].map((room) => {
    const info = app.rooms.get(room);
    const button = el("button", { type: "button" }, room);
    if (info && info.unread) {
      button.append(el("span", { class: "unread" }, String(info.unread)));
    }
    button.addEventListener("click", () => select(room));
    const li = el("li", {}, button);
    li.classList.toggle("active", room === app.current);
    li.classList.toggle("offline", !info);
    return li;
  });
  $("rooms").replaceChildren(...tabs);
}

function renderPresence() {
  const info = app.current && app.rooms.get(app.current);
  $("presence-room").textContent = app.current || "—";
  const members = info ? [...info.members].sort() : [];
  $("presence").replaceChildren(...members.map((user) =>
    el("li", { class: user === app.tokenClaims.sub ? "me" : "" }, user, user === app.tokenClaims.sub ? el("small", {}, " (you)") : "")));
}

/** A chat line in the room's log, shown at once if the room is on screen. */
function chatLine(room, from, text, metaText) {
  const li = el("li", { class: "msg" }, el("span", { class: "meta" }, metaText), el("b", { class: "from" }, from),
    el("span", { class: "text" }, text));
  addToRoom(room, li);
  return li;
}

function line(room, kind, text) {
  const li = el("li", { class: kind }, el("span", { class: "meta" }, clock(Date.now())), el("span", { class: "text" }, text));
  addToRoom(room, li);
  return li;
}

function addToRoom(room, li) {
  const key = room || "";
  if (!app.logs.has(key)) {
    app.logs.set(key, []);
  }
  app.logs.get(key).push(li);
  if (key === (app.current || "")) {
    append($("chat-log"), li);
  } else if (app.rooms.has(key)) {
    app.rooms.get(key).unread++;
    renderRooms();
  }
}

/** A line in the transitions panel that is not a transition (refresh, notes). */
function note(text, kind = "note") {
  append($("transitions"), el("li", { class: kind }, el("time", {}, clock(Date.now(), true)), el("span", { class: "detail" }, text)));
}

function wire(direction, text, sealed = null) {
  const shown = text.replace(/("(?:token|ticket)":")([^"]{10})[^"]*"/g, "$1$2…\"");
  const li = el("li", { class: direction },
    el("span", { class: "dir" }, direction === "out" ? "→" : "←"),
    el("code", {}, shown.length > 400 ? `${shown.slice(0, 400)}…` : shown));
  if (sealed) {
    li.append(el("code", { class: "sealed" }, `Fernet ${sealed.slice(0, 40)}… (${sealed.length} characters on the wire)`));
  }
  append($("wire-log"), li, 300);
}

function tick() {
  const end = app.sessionEnd || app.tokenClaims.exp || 0;
  if (!app.token && !app.sessionEnd) {
    $("expires").textContent = "—";
  } else if (end) {
    const left = Math.round(end - Date.now() / 1000);
    $("expires").textContent = `${clock(end * 1000)} (${left >= 0 ? `in ${formatDuration(left)}` : "passed"})`;
  }
  if (app.reconnectAt) {
    const wait = Math.max(0, (app.reconnectAt - Date.now()) / 1000).toFixed(1);
    status("connect-status", `Reconnecting in ${wait} s (attempt ${app.failures + 1}).`);
  } else if (app.state === "AUTHENTICATED") {
    status("connect-status", `Connected to ${app.wsUrl}`, "good");
  }
}

/** Enables what makes sense now. */
function syncControls() {
  const connected = app.ws !== null;
  const authed = app.state === "AUTHENTICATED" && connected;
  const firstMessage = ["token", "ticket"].includes($("auth-mode").value);
  $("encrypt").disabled = !fernet.available() || !firstMessage || connected;
  $("fernet-key").disabled = $("encrypt").disabled || !$("encrypt").checked;
  $("auth-mode").disabled = connected;
  $("connect-btn").disabled = connected || !app.wsUrl || (!app.token && $("auth-mode").value !== "cookie");
  $("disconnect-btn").disabled = !connected && !app.reconnectAt; // it also cancels a planned reconnect
  $("logout-btn").disabled = !app.token;
  $("refresh-btn").disabled = !app.token;
  $("join-btn").disabled = !authed;
  $("message-input").disabled = !authed || !app.rooms.has(app.current);
  $("send-btn").disabled = $("message-input").disabled;
  $("leave-btn").disabled = !authed || !app.rooms.has(app.current);
}

// ---------------------------------------------------------------- small helpers

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value) {
      node.setAttribute(name, value);
    }
  }
  node.append(...children); // strings become text nodes: nothing from the wire is ever parsed as HTML
  return node;
}

/** Appends and keeps the list scrolled to the bottom, dropping the oldest entries past max. */
function append(list, li, max = 500) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(li);
  while (list.children.length > max) {
    list.firstElementChild.remove();
  }
  if (atBottom) {
    scrollDown(list);
  }
}

function scrollDown(list) {
  list.scrollTop = list.scrollHeight;
}

function status(id, text, kind = "") {
  $(id).textContent = text;
  $(id).dataset.kind = kind;
}

function meta(seq, ts) {
  return `#${seq} · ${clock(ts)}`;
}

function clock(millis, precise = false) {
  const d = new Date(millis);
  const hms = d.toLocaleTimeString("en-GB", { hour12: false });
  return precise ? `${hms}.${String(d.getMilliseconds()).padStart(3, "0")}` : hms;
}

function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

function base64UrlBytes(text) {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
