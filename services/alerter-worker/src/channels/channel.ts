import type { Channel, Notification } from '@faultline/core';

/** One way of telling people; `deliver` throws when the notification did not get through, so it is retried. */
export interface AlertChannel {
  name: Channel;
  deliver(n: Notification): Promise<void>;
  close(): Promise<void>;
}
