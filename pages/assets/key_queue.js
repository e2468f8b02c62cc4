// Review keys that are never dropped (no network, no markup: every text shown is set with textContent).
// One document-wide keydown listener, installed once per page load, queues each press with a sequence number and the
// item the owner saw when pressing it, and sends the whole unacknowledged queue to Python (setStateValue "events").
// Python applies the events it has not applied yet, in order, and acknowledges the last sequence number in the data
// it mounts this component with; acknowledged events leave the queue. Presses that come while a rerun is going on are
// queued too, and the item they are meant for is predicted from the neighbours Python sent (a decision moves on).
const EPOCH = Math.random().toString(36).slice(2) + Date.now().toString(36);
const S = (globalThis.__metwinKeyQueue ||= { pages: {}, active: null, installed: false, pending: [] });

const pageState = (page) => (S.pages[page] ||= { seq: 0, queue: [], cursor: null, order: [], run: 0, session: "" });

const typing = (el) => {
  if (!el || el.nodeType !== 1) return false;
  const tag = el.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable ||
    !!el.closest("[contenteditable='true'], [role='textbox'], [role='combobox'], [role='listbox']");
};

const neighbour = (st, item, step) => {
  const i = st.order.indexOf(item);
  if (i < 0) return null;
  const j = i + step;
  return j >= 0 && j < st.order.length ? st.order[j] : null;
};

const render = () => {
  const a = S.active;
  if (!a || !a.badge) return;
  const st = pageState(a.page);
  const n = st.queue.length;
  a.count.textContent = n ? `${n} queued` : "";
  a.badge.style.display = n || a.flashUntil > Date.now() ? "flex" : "none";
  a.badge.setAttribute("data-queued", String(n));
};

const flash = (key) => {
  const a = S.active;
  if (!a || !a.badge) return;
  a.key.textContent = key.toUpperCase();
  a.flashUntil = Date.now() + 700;
  render();
  setTimeout(render, 720);
};

const send = (page) => {
  const a = S.active;
  if (!a || a.page !== page) return;
  const st = pageState(page);
  a.setStateValue("events", { epoch: EPOCH, events: st.queue.slice() });
};

const press = (page, keys, key) => {
  const st = pageState(page);
  const move = keys[key];
  const item = st.cursor;
  // Where the card goes: sent along ("to"), so Python shows the item the next press will be meant for.
  let to = item;
  if (move === "advance") to = neighbour(st, item, 1);
  else if (move === "next") to = neighbour(st, item, 1) ?? item;
  else if (move === "prev") to = neighbour(st, item, -1) ?? item;
  else if (move === "undo") to = null; // Python knows which item the undo brings back; later presses go there
  st.seq += 1;
  st.queue.push({ seq: st.seq, key, item, to: item === null ? null : to });
  st.cursor = item === null ? null : to;
  flash(key);
  send(page);
};

const onKey = (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || e.isComposing) return;
  if (typing(e.target) || typing(document.activeElement)) return;
  if (document.querySelector("[role='dialog']")) return; // the key help or a confirmation is open
  const key = e.key === "?" ? "?" : (e.key || "").toLowerCase();
  const a = S.active;
  if (!a) {  // between two mounts (a rerun redraws the component): kept for the next mount, briefly
    if (key.length === 1) S.pending.push({ key, at: Date.now() });
    return;
  }
  if (!(key in a.keys)) return;
  e.preventDefault();
  e.stopPropagation();
  press(a.page, a.keys, key);
};

if (!S.installed) {
  document.addEventListener("keydown", onKey, true);
  S.installed = true;
}

export default function (component) {
  const { data, setStateValue, parentElement } = component;
  const page = String((data && data.page) || "review");
  const keys = (data && data.keys) || {};
  const st = pageState(page);
  const ack = Number(((data && data.ack) || {})[EPOCH] || 0);
  // Python numbers its runs (per session): the data of an older run that arrives after a newer one is stale, and
  // must not move the cursor back to an item already decided, nor forget what is still queued.
  const run = Number((data && data.run) || 0);
  const session = String((data && data.session) || "");
  if (session !== st.session) { st.session = session; st.run = 0; }
  if (run >= (st.run || 0)) {
    st.run = run;
    st.queue = st.queue.filter((ev) => ev.seq > ack);
    st.order = [...((data && data.before) || []), data ? data.item : null, ...((data && data.after) || [])]
      .filter((x) => x !== null && x !== undefined);
    if (!st.queue.length) st.cursor = data && data.item !== undefined ? data.item : null;
  }

  let badge = parentElement.querySelector("[data-metwin-keys]");
  if (!badge) {
    badge = document.createElement("div");
    badge.setAttribute("data-metwin-keys", page);
    badge.style.cssText = "position:fixed;right:18px;bottom:18px;z-index:1000;display:none;gap:8px;" +
      "align-items:center;padding:6px 12px;border-radius:16px;background:#2f3437;color:#fff;font:13px sans-serif;" +
      "box-shadow:0 2px 8px rgba(0,0,0,.25)";
    const k = document.createElement("kbd");
    k.style.cssText = "background:#4f7a74;border-radius:4px;padding:1px 6px;font-weight:600";
    const c = document.createElement("span");
    badge.append(k, c);
    parentElement.appendChild(badge);
  }
  badge.setAttribute("data-metwin-keys", page);
  S.active = { page, keys, setStateValue, badge, key: badge.firstChild, count: badge.lastChild,
               flashUntil: (S.active && S.active.flashUntil) || 0 };
  // Keys pressed in the moment between two mounts are applied now, in order. The moment can last seconds on a
  // loaded machine (a rerun that takes long), so a press is kept for 5 s; older ones were meant for something else.
  const late = S.pending.filter((p) => Date.now() - p.at < 5000 && p.key in keys);
  S.pending = [];
  late.forEach((p) => press(page, keys, p.key));
  if (!late.length && st.queue.length) send(page); // a rerun cut short: make sure Python sees what is left
  render();
  return () => {
    if (S.active && S.active.setStateValue === setStateValue) S.active = null;
  };
}
