// Dates as YYYY-MM-DD and times as HH:MM, in China's time (Asia/Shanghai, UTC+8, no DST),
// whatever the browser's locale or zone.
const ZONE = "Asia/Shanghai";
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

const parts = (date) => Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit", hourCycle: "h23",
}).formatToParts(date).map((p) => [p.type, p.value]));

// "2026-12-05" for a Date (today by default).
export function ymd(date = new Date()) {
  const p = parts(date);
  return `${p.year}-${p.month}-${p.day}`;
}

// "2026-12-05 09:30" for an ISO timestamp.
export function ymdHm(iso) {
  const p = parts(new Date(iso));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

// A YYYY-MM-DD text that names a real day, or null.
export function validDay(text) {
  const m = DAY.exec(String(text).trim());
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3] ? m[0] : null;
}

// The instant a day (and an optional HH:MM) starts in China, as a Date.
export function atChina(day, hm = "00:00") {
  return new Date(`${day}T${hm}:00+08:00`);
}

export function addDays(day, n) {
  return ymd(new Date(atChina(day).getTime() + n * 86400e3));
}
