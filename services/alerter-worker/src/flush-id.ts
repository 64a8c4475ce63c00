/**
 * A flush's id names what it takes: the group's first notification, or the repeat after
 * `lastNotifiedAt`. The event processor, its replay and the sweep's repair all add the same job.
 */
export const flushId = (fp: string, gen: number, lastNotifiedAt?: number | null) =>
  lastNotifiedAt === undefined || lastNotifiedAt === null
    ? `flush-${fp}-${gen}`
    : `flush-${fp}-${gen}-${lastNotifiedAt}`;
