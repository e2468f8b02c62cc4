// Text selection on the Redaction review card, sent to Python (no network, no markup: the card's text is rendered
// by the page, escaped; this only reads what the owner selected).
// A selection inside one message body ([data-pii-mid], the "Before" column) is reported as
// {mid, start, end, text}: start/end are offsets into that message's text (its textContent is the text verbatim).
export default function (component) {
  const { setTriggerValue } = component;
  let last = "";
  const bodyOf = (node) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("[data-pii-mid]") : null;
  };
  const report = () => {
    const sel = document.getSelection();
    if (!sel || sel.isCollapsed || sel.rangeCount === 0) return;
    const range = sel.getRangeAt(0);
    const body = bodyOf(range.startContainer);
    if (!body || body !== bodyOf(range.endContainer)) return; // one message at a time
    const before = document.createRange();
    before.selectNodeContents(body);
    before.setEnd(range.startContainer, range.startOffset);
    const start = before.toString().length;
    const text = range.toString();
    const mid = Number(body.getAttribute("data-pii-mid"));
    const key = `${mid}:${start}:${text.length}`;
    if (!text.trim() || key === last) return;
    last = key;
    setTriggerValue("selected", { mid, start, end: start + text.length, text });
  };
  const onKey = (e) => { if (e.shiftKey) report(); };
  document.addEventListener("mouseup", report);
  document.addEventListener("keyup", onKey);
  return () => {
    document.removeEventListener("mouseup", report);
    document.removeEventListener("keyup", onKey);
  };
}
