// The rooms of the page's connection (protocol.md §4.4-§4.8, §11): who is in each, the chat lines, and the
// messages still waiting for the server's acknowledgement.

import { $, el, append, clock } from "/view.js";

export class Rooms {
  /** onChange runs after the shown room changed, so the page can enable what applies. */
  constructor(onChange) {
    this.onChange = onChange;
    this.me = null; // the authenticated user
    this.members = new Map(); // room -> Set of users, for the rooms this connection is in now
    this.unread = new Map(); // room -> lines not seen yet
    this.wanted = new Set(); // rooms to join again after a reconnect: rooms belong to the connection
    this.logs = new Map(); // room ("" for none) -> chat lines, kept across reconnects
    this.pending = new Map(); // client id -> chat line, until the sender's own copy acknowledges it
    this.current = null;
  }

  /** Whether the shown room is one this connection is in. */
  inCurrent() {
    return this.members.has(this.current);
  }

  joined({ room, members }) {
    this.members.set(room, new Set(members));
    this.wanted.add(room);
    this.line(room, "system", `joined ${room}; present: ${members.join(", ")}`);
    this.select(room);
  }

  left({ room }) {
    this.members.delete(room);
    this.wanted.delete(room);
    this.line(room, "system", `left ${room}`);
    // Another room if there is one; otherwise this one stays on screen, its tab dashed, until a join.
    this.select(this.members.keys().next().value || room);
  }

  /** A relayed message; the sender's own copy turns its pending line into a numbered one (§4.7). */
  message({ room, from, payload, id, seq, ts }) {
    const meta = `#${seq} · ${clock(ts)}`;
    const pending = id && from === this.me && this.pending.get(id);
    if (pending) {
      this.pending.delete(id);
      pending.classList.remove("pending");
      pending.querySelector(".meta").textContent = meta;
      return;
    }
    const text = typeof payload === "string" ? payload
      : payload && typeof payload.text === "string" ? payload.text : JSON.stringify(payload);
    this.chatLine(room, from, text, meta);
  }

  presence({ room, user, event }) {
    const members = this.members.get(room);
    if (members) {
      if (event === "join") {
        members.add(user);
      } else {
        members.delete(user);
      }
    }
    this.line(room, "system", `${user} ${event === "join" ? "arrived" : "left"}`);
    this.render();
  }

  /** An error from the server (§4.3), shown in its room, or the shown one, with what it means for the room. */
  error({ code, message, room, id }) {
    const pending = id && this.pending.get(id);
    if (pending) {
      pending.classList.replace("pending", "failed");
      pending.querySelector(".meta").textContent = "not delivered";
      this.pending.delete(id);
    }
    const rejoin = room && this.wanted.has(room) && !this.members.has(room); // a join after a reconnect
    let hint = "";
    if (code === "broker_unavailable") {
      // §5, §15: the cluster is cut off from Redis for now; nothing was done, and nothing is wrong with the request.
      hint = rejoin ? " — the server cannot reach its cluster just now; joining again shortly"
        : " — the server cannot reach its cluster just now; send it again in a moment";
    } else if (rejoin && (code === "access_denied" || code === "too_many_rooms")) {
      this.wanted.delete(room); // refused for good (§5): asking again would only add violations (§12.2)
      hint = " — not joining it again";
    }
    this.line(room && this.logs.has(room) ? room : this.current, "error", `error ${code}: ${message}${hint}`);
    this.render();
  }

  /** A message just sent with client id `id`, shown greyed until acknowledged. */
  sending(id, text) {
    const li = this.chatLine(this.current, this.me, text, "sending…");
    li.classList.add("pending");
    this.pending.set(id, li);
  }

  /** The connection closed: it is in no room any more, and unacknowledged messages may be lost. */
  disconnected() {
    this.members.clear();
    for (const li of this.pending.values()) {
      li.classList.replace("pending", "failed");
    }
    this.pending.clear();
    this.render();
  }

  select(room) {
    this.current = room;
    this.unread.delete(room);
    $("chat-log").replaceChildren(...(this.logs.get(room || "") || []));
    $("chat-log").scrollTop = $("chat-log").scrollHeight;
    this.render();
    this.onChange();
  }

  render() {
    const shown = [...this.members.keys(), ...this.wanted, ...(this.current ? [this.current] : [])];
    const tabs = [...new Set(shown)].map((room) => {
      const button = el("button", { type: "button" }, room);
      if (this.unread.get(room)) {
        button.append(el("span", { class: "unread" }, String(this.unread.get(room))));
      }
      button.addEventListener("click", () => this.select(room));
      const li = el("li", {}, button);
      li.classList.toggle("active", room === this.current);
      li.classList.toggle("offline", !this.members.has(room));
      return li;
    });
    $("rooms").replaceChildren(...tabs);
    const members = [...(this.members.get(this.current) || [])].sort();
    $("presence").replaceChildren(...members.map((user) => user === this.me
      ? el("li", { class: "me" }, user, el("small", {}, " (you)"))
      : el("li", {}, user)));
  }

  chatLine(room, from, text, meta) {
    const li = el("li", { class: from === this.me ? "msg mine" : "msg" },
      el("span", { class: "meta" }, meta), el("b", { class: "from" }, from), el("span", { class: "text" }, text));
    this.add(room, li);
    return li;
  }

  line(room, kind, text) {
    this.add(room, el("li", { class: kind }, el("span", { class: "meta" }, clock(Date.now())), el("span", { class: "text" }, text)));
  }

  add(room, li) {
    const key = room || "";
    if (!this.logs.has(key)) {
      this.logs.set(key, []);
    }
    this.logs.get(key).push(li);
    if (key === (this.current || "")) {
      append($("chat-log"), li);
    } else if (this.members.has(key)) {
      this.unread.set(key, (this.unread.get(key) || 0) + 1);
      this.render();
    }
  }
}
