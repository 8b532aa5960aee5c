/**
 * Business hours of a queue: a weekly schedule of opening intervals in local
 * wall time, holiday dates on which it stays closed all day, and the time zone
 * both are read in. Pure functions, used by the store (whether a queue is open
 * at a given instant, and when that next changes); never by workflow code.
 */

/** Days of the week as schedule keys, Sunday first (Date#getUTCDay order). */
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One opening interval of a day, local wall time `HH:MM` (`to` may be `24:00`: open until midnight). */
export interface OpeningInterval {
  from: string;
  to: string;
}

/** A queue's business hours. */
export interface BusinessHours {
  /** An IANA time zone (`Europe/Paris`); the schedule and holidays are read in it, daylight saving included. */
  timeZone: string;
  /** Opening intervals per weekday; a day left out (or empty) is closed. */
  weekly: Partial<Record<Weekday, OpeningInterval[]>>;
  /** Local dates (`YYYY-MM-DD`) on which the queue stays closed all day. */
  holidays?: string[];
}

/** Whether the queue is open now and when that changes (null: never, as far as the schedule goes). */
export interface HoursState {
  open: boolean;
  nextChangeAt: string | null;
}

export const MAX_INTERVALS_PER_DAY = 8;
export const MAX_HOLIDAYS = 400;
/** How far ahead the next opening or closing is looked for: a year of holidays plus a week. */
const HORIZON_DAYS = 400;

const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function minutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function isRealDate(date: string): boolean {
  if (!DATE.test(date)) return false;
  const t = Date.parse(`${date}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === date;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Why `value` is not valid business hours, naming the field (`hours.weekly.mon[1].to`),
 * or null when it is. Intervals of a day must not overlap; `to` is after `from`.
 */
export function businessHoursError(value: unknown, field = 'hours'): string | null {
  if (!isObject(value)) return `${field}: expected an object with timeZone, weekly and holidays`;
  for (const key of Object.keys(value)) {
    if (!['timeZone', 'weekly', 'holidays'].includes(key)) return `${field}.${key}: unknown field (timeZone, weekly, holidays)`;
  }
  const { timeZone, weekly, holidays } = value;
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64) {
    return `${field}.timeZone: expected an IANA time zone such as "Europe/Paris"`;
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return `${field}.timeZone: unknown time zone ${JSON.stringify(timeZone)}`;
  }
  if (!isObject(weekly)) return `${field}.weekly: expected an object of weekdays (${WEEKDAYS.join(', ')})`;
  for (const [day, intervals] of Object.entries(weekly)) {
    const at = `${field}.weekly.${day}`;
    if (!(WEEKDAYS as readonly string[]).includes(day)) return `${at}: unknown weekday (${WEEKDAYS.join(', ')})`;
    if (!Array.isArray(intervals)) return `${at}: expected a list of {from, to} intervals`;
    if (intervals.length > MAX_INTERVALS_PER_DAY) return `${at}: at most ${MAX_INTERVALS_PER_DAY} intervals a day`;
    const spans: [number, number, number][] = [];
    for (const [i, interval] of intervals.entries()) {
      if (!isObject(interval) || Object.keys(interval).some((k) => k !== 'from' && k !== 'to')) {
        return `${at}[${i}]: expected {from: "HH:MM", to: "HH:MM"}`;
      }
      const { from, to } = interval;
      if (typeof from !== 'string' || !TIME.test(from) || from === '24:00') return `${at}[${i}].from: expected "HH:MM" from 00:00 to 23:59`;
      if (typeof to !== 'string' || !TIME.test(to)) return `${at}[${i}].to: expected "HH:MM" from 00:01 to 24:00`;
      if (minutes(to) <= minutes(from))
        return `${at}[${i}].to: must be after from (${from}); split an interval across midnight in two days`;
      spans.push([minutes(from), minutes(to), i]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < spans.length; k += 1) {
      const [prev, cur] = [spans[k - 1] as [number, number, number], spans[k] as [number, number, number]];
      if (cur[0] < prev[1]) return `${at}[${cur[2]}]: overlaps ${at}[${prev[2]}]`;
    }
  }
  if (holidays !== undefined) {
    if (!Array.isArray(holidays)) return `${field}.holidays: expected a list of "YYYY-MM-DD" dates`;
    if (holidays.length > MAX_HOLIDAYS) return `${field}.holidays: at most ${MAX_HOLIDAYS} dates`;
    const seen = new Set<string>();
    for (const [i, date] of holidays.entries()) {
      if (typeof date !== 'string' || !isRealDate(date)) return `${field}.holidays[${i}]: expected a date "YYYY-MM-DD"`;
      if (seen.has(date)) return `${field}.holidays[${i}]: ${date} is listed twice`;
      seen.add(date);
    }
  }
  return null;
}

interface WallTime {
  date: string;
  weekday: Weekday;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local calendar fields of instant `t` in `timeZone`, as if they were UTC (so offsets are a subtraction). */
function wallAsUtc(t: number, timeZone: string): number {
  const parts: Record<string, string> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(t))) parts[p.type] = p.value;
  return Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour) % 24,
    Number(parts.minute),
    Number(parts.second),
  );
}

function wallTime(t: number, timeZone: string): WallTime {
  const local = new Date(wallAsUtc(t, timeZone));
  return {
    date: local.toISOString().slice(0, 10),
    weekday: WEEKDAYS[local.getUTCDay()] as Weekday,
    minute: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

/**
 * The instant at which the wall clock of `timeZone` shows `localMs` (local
 * fields encoded as UTC). A wall time skipped by a daylight-saving jump maps
 * to just after the jump; a repeated one to its first occurrence.
 */
function instantOf(localMs: number, timeZone: string): number {
  let t = localMs;
  for (let i = 0; i < 3; i += 1) {
    const offset = wallAsUtc(t, timeZone) - t;
    const next = localMs - offset;
    if (next === t) break;
    t = next;
  }
  return t;
}

/** Whether the queue is open at instant `t`. */
export function isOpenAt(hours: BusinessHours, t: number): boolean {
  const wall = wallTime(t, hours.timeZone);
  if (hours.holidays?.includes(wall.date)) return false;
  return (hours.weekly[wall.weekday] ?? []).some((i) => minutes(i.from) <= wall.minute && wall.minute < minutes(i.to));
}

/**
 * Whether the queue is open at `now`, and the next instant at which that
 * changes: the first local boundary (an interval's start or end, or a
 * midnight, where holidays begin and end) after `now` at which openness
 * differs. Daylight-saving safe: boundaries are local wall times converted
 * through the zone's offset at that moment.
 */
export function hoursState(hours: BusinessHours, now: Date): HoursState {
  const t = now.getTime();
  const open = isOpenAt(hours, t);
  const today = Date.parse(`${wallTime(t, hours.timeZone).date}T00:00:00Z`);
  const DAY = 86_400_000;
  for (let d = 0; d <= HORIZON_DAYS; d += 1) {
    const dayStart = today + d * DAY;
    const weekday = WEEKDAYS[new Date(dayStart).getUTCDay()] as Weekday;
    const marks = new Set<number>([0]);
    for (const i of hours.weekly[weekday] ?? []) {
      marks.add(minutes(i.from));
      marks.add(minutes(i.to) % 1440);
    }
    for (const m of [...marks].sort((a, b) => a - b)) {
      const at = instantOf(dayStart + m * 60_000, hours.timeZone);
      if (at > t && isOpenAt(hours, at) !== open) return { open, nextChangeAt: new Date(at).toISOString() };
    }
  }
  return { open, nextChangeAt: null };
}

/** A short description of the schedule's local opening time, for a customer: "08:00 Europe/Paris". */
export function localTimeLabel(iso: string, timeZone: string): string {
  const wall = wallTime(Date.parse(iso), timeZone);
  const hh = String(Math.floor(wall.minute / 60)).padStart(2, '0');
  const mm = String(wall.minute % 60).padStart(2, '0');
  return `${wall.date} ${hh}:${mm} ${timeZone}`;
}
