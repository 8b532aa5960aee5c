import type { BusinessHours } from '../../src/domain/business-hours';
import { businessHoursError, hoursState, isOpenAt, localTimeLabel } from '../../src/domain/business-hours';

const weekdays = { from: '08:00', to: '18:00' };
const PARIS: BusinessHours = {
  timeZone: 'Europe/Paris',
  weekly: { mon: [weekdays], tue: [weekdays], wed: [weekdays], thu: [weekdays], fri: [weekdays] },
  holidays: ['2026-12-25'],
};

describe('business hours', () => {
  it('is open from 08:00 to 18:00 Paris time on weekdays, and says when it closes', () => {
    // Tuesday 1 December 2026, 10:00 in Paris (UTC+1).
    expect(hoursState(PARIS, new Date('2026-12-01T09:00:00Z'))).toEqual({ open: true, nextChangeAt: '2026-12-01T17:00:00.000Z' });
    // 18:00 exactly is closed; it opens at 08:00 the next morning.
    expect(hoursState(PARIS, new Date('2026-12-01T17:00:00Z'))).toEqual({ open: false, nextChangeAt: '2026-12-02T07:00:00.000Z' });
  });

  it('stays closed over the weekend and on holidays, opening on the next working day', () => {
    // Friday 18:30 -> Monday 08:00.
    expect(hoursState(PARIS, new Date('2026-12-04T17:30:00Z'))).toEqual({ open: false, nextChangeAt: '2026-12-07T07:00:00.000Z' });
    // Christmas is a Friday: closed all day, open again on Monday the 28th.
    expect(isOpenAt(PARIS, Date.parse('2026-12-25T10:00:00Z'))).toBe(false);
    expect(hoursState(PARIS, new Date('2026-12-24T17:00:00Z'))).toEqual({ open: false, nextChangeAt: '2026-12-28T07:00:00.000Z' });
  });

  it('follows daylight saving time: 08:00 in Paris is 06:00 UTC in summer', () => {
    // Friday 27 March 2026 is UTC+1; Monday 30 March (after the switch on the 29th) is UTC+2.
    expect(hoursState(PARIS, new Date('2026-03-27T18:00:00Z'))).toEqual({ open: false, nextChangeAt: '2026-03-30T06:00:00.000Z' });
    expect(hoursState(PARIS, new Date('2026-03-30T06:00:00Z')).open).toBe(true);
    expect(hoursState(PARIS, new Date('2026-03-30T05:59:00Z')).open).toBe(false);
  });

  it('handles a day open until midnight, split intervals and an always-open schedule', () => {
    const split: BusinessHours = {
      timeZone: 'UTC',
      weekly: {
        mon: [
          { from: '13:00', to: '17:00' },
          { from: '09:00', to: '12:00' },
        ],
        tue: [{ from: '20:00', to: '24:00' }],
      },
    };
    // Monday 7 December 2026 at noon: the lunch break.
    expect(hoursState(split, new Date('2026-12-07T12:00:00Z'))).toEqual({ open: false, nextChangeAt: '2026-12-07T13:00:00.000Z' });
    expect(hoursState(split, new Date('2026-12-08T21:00:00Z'))).toEqual({ open: true, nextChangeAt: '2026-12-09T00:00:00.000Z' });
    const day = [{ from: '00:00', to: '24:00' }];
    const always: BusinessHours = { timeZone: 'UTC', weekly: { sun: day, mon: day, tue: day, wed: day, thu: day, fri: day, sat: day } };
    expect(hoursState(always, new Date('2026-12-08T21:00:00Z'))).toEqual({ open: true, nextChangeAt: null });
    expect(hoursState({ timeZone: 'UTC', weekly: {} }, new Date())).toEqual({ open: false, nextChangeAt: null });
  });

  it('refuses malformed hours, naming the field', () => {
    expect(businessHoursError(PARIS)).toBeNull();
    expect(businessHoursError({ ...PARIS, timeZone: 'Mars/Olympus' })).toBe('hours.timeZone: unknown time zone "Mars/Olympus"');
    expect(businessHoursError({ ...PARIS, weekly: { monday: [weekdays] } })).toMatch(/^hours\.weekly\.monday: unknown weekday/);
    expect(businessHoursError({ ...PARIS, weekly: { mon: [{ from: '8:00', to: '18:00' }] } })).toMatch(/^hours\.weekly\.mon\[0\]\.from:/);
    expect(businessHoursError({ ...PARIS, weekly: { mon: [{ from: '18:00', to: '08:00' }] } })).toMatch(
      /^hours\.weekly\.mon\[0\]\.to: must be after from/,
    );
    expect(
      businessHoursError({
        ...PARIS,
        weekly: {
          mon: [
            { from: '08:00', to: '12:00' },
            { from: '11:00', to: '13:00' },
          ],
        },
      }),
    ).toBe('hours.weekly.mon[1]: overlaps hours.weekly.mon[0]');
    expect(businessHoursError({ ...PARIS, holidays: ['2026-02-30'] })).toBe('hours.holidays[0]: expected a date "YYYY-MM-DD"');
    expect(businessHoursError({ ...PARIS, holidays: ['2026-12-25', '2026-12-25'] })).toBe('hours.holidays[1]: 2026-12-25 is listed twice');
    expect(businessHoursError({ ...PARIS, open: true })).toMatch(/^hours\.open: unknown field/);
  });

  it('labels an instant in the queue’s local time for the customer', () => {
    expect(localTimeLabel('2026-12-02T07:00:00.000Z', 'Europe/Paris')).toBe('2026-12-02 08:00 Europe/Paris');
  });
});
