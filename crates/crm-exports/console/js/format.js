// How the console writes times, durations and counts: local time to the second, durations
// in the largest sensible unit, counts with thousands separators.

const numbers = new Intl.NumberFormat('en');

export function count(n) {
  return n === null || n === undefined ? '—' : numbers.format(n);
}

const pad = (n) => String(n).padStart(2, '0');

/** `2026-03-01 14:05:09` in the browser's time zone, or a dash. */
export function dateTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `0.4 s`, `12 s`, `3 min 04 s`, `2 h 05 min`. */
export function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min ${pad(Math.round(s % 60))} s`;
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
}

/** How long an export ran: start to finish, or start to now while it runs. */
export function exportDuration(exp, now = Date.now()) {
  if (!exp.startedAt) return null;
  const end = exp.completedAt ? Date.parse(exp.completedAt) : exp.exportState === 'PROCESSING' ? now : null;
  return end === null ? null : end - Date.parse(exp.startedAt);
}
