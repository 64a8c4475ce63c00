import type { Channel, Notification } from '@faultline/core';

/** One way of telling people; `deliver` throws when the notification did not get through, so it is retried. */
export interface AlertChannel {
  name: Channel;
  /**
   * What its deliveries are queued, capped and deduplicated under: the channel's name, or one per URL
   * for webhooks, so a URL that is down delays and retries only its own deliveries.
   */
  target: string;
  deliver(n: Notification): Promise<void>;
  close(): Promise<void>;
}
