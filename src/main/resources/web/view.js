// Drawing helpers shared by the demo's modules: elements built from text only (nothing that came over the
// wire is ever parsed as HTML), scrolling lists, and the state machine and frame panels.

export const $ = (id) => document.getElementById(id);

/** An element with attributes (falsy values left out) and children; strings become text nodes. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value) {
      node.setAttribute(name, value);
    }
  }
  node.append(...children);
  return node;
}

/**
 * Appends to a log and keeps it scrolled to its end, unless the person scrolled up to read; drops the oldest
 * entries past max.
 */
export function append(list, li, max = 500) {
  if (!list.dataset.follow) {
    list.addEventListener("scroll", () => {
      list.dataset.follow = String(list.scrollHeight - list.scrollTop - list.clientHeight < 40);
    });
  }
  list.append(li);
  while (list.children.length > max) {
    list.firstElementChild.remove();
  }
  if (list.dataset.follow !== "false") {
    list.dataset.follow = "true";
    list.scrollTop = list.scrollHeight;
  }
}

/** A one-line status under a form; kind is "good", "bad" or "". */
export function status(id, text, kind = "") {
  $(id).textContent = text;
  $(id).dataset.kind = kind;
}

export function clock(millis, precise = false) {
  const d = new Date(millis);
  const hms = d.toLocaleTimeString("en-GB", { hour12: false });
  return precise ? `${hms}.${String(d.getMilliseconds()).padStart(3, "0")}` : hms;
}

export function formatDuration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

// ---------------------------------------------------------------- the state machine (§2)

const LABELS = { IDLE: "—", CONNECTING: "handshake" };

/** Starts a new connection's path through the diagram. */
export function resetMachine() {
  for (const li of $("machine").children) {
    li.classList.remove("visited", "current");
  }
}

/** Draws one move: a line in the log, the diagram and the badge. */
export function drawTransition(from, to, event, detail) {
  const li = el("li", {},
    el("time", {}, clock(Date.now(), true)),
    el("span", { class: "move" }, `${LABELS[from] || from} → ${LABELS[to] || to}`),
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

/** A line in the state log that is not a move (a refresh, a note); kind "error" shows it in red. */
export function note(text, kind = "note") {
  append($("transitions"), el("li", { class: kind }, el("time", {}, clock(Date.now(), true)), el("span", { class: "detail" }, text)));
}

/** The close panel: code, reason, and what §6 says. */
export function drawClose(code, reason, { policy, meaning, advice }) {
  $("close-line").hidden = false;
  $("close-code").textContent = String(code);
  $("close-reason").textContent = reason || "(no reason)";
  $("close-meaning").textContent = meaning;
  $("close-advice").textContent = advice;
  $("close-card").dataset.policy = policy;
}

// ---------------------------------------------------------------- frames

/** One frame as JSON text, with credentials shortened; sealed is the Fernet token that carried it, if any. */
export function drawFrame(direction, text, sealed = null) {
  const shown = text.replace(/("(?:token|ticket)":")([^"]{10})[^"]*"/g, "$1$2…\"");
  const li = el("li", { class: direction },
    el("span", { class: "dir" }, direction === "out" ? "→" : "←"),
    el("code", {}, shown.length > 400 ? `${shown.slice(0, 400)}…` : shown));
  if (sealed) {
    li.append(el("code", { class: "sealed" }, `Fernet ${sealed.slice(0, 40)}… (${sealed.length} characters on the wire)`));
  }
  append($("wire-log"), li, 300);
}
