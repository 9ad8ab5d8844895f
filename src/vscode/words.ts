// Counts and ages in words ("3 files", "5 min ago"). No `vscode` import: the history graph's webview
// (src/webview) draws its rows with the same words as the tree (format.ts re-exports these).

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function fromNow(ts: number, now = Date.now()): string {
  const s = Math.round((now - ts) / 1000);
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${plural(h, 'hour')} ago`;
  const d = Math.round(h / 24);
  if (d < 30) return `${plural(d, 'day')} ago`;
  return new Date(ts).toLocaleDateString();
}
