/**
 * Every Redis key Faultline owns, built from the queue prefix so that one hash tag (the default
 * prefix `{faultline}`) keeps them in one Redis Cluster slot beside the queues' own keys.
 */
export function redisKeys(prefix: string) {
  return {
    runSummary: (runId: string) => `${prefix}:run:${runId}`,
    /** Which attempts a run summary already counted, so a replayed attempt counts once. */
    runAttempts: (runId: string) => `${prefix}:run:${runId}:attempts`,
    providerPause: (provider: string) => `${prefix}:pause:${provider}`,
    alertGroup: (fingerprint: string) => `${prefix}:alert-group:${fingerprint}`,
    /** Groups by last activity, for `faultline alerts list`. */
    alertGroupIndex: () => `${prefix}:alert-groups`,
    /** Groups owing a flush (their first notification, or a repeat), by when it is due: the sweep's safety net. */
    alertGroupsDue: () => `${prefix}:alert-groups:due`,
    /** Notified groups not yet resolved, by last activity: what the quiet sweep looks at. */
    openAlertGroups: () => `${prefix}:alert-groups:open`,
    rateLimitWindow: (provider: string, bucket: number) => `${prefix}:rl:${provider}:${bucket}`,
    inhibit: (provider: string) => `${prefix}:inhibit:${provider}`,
    channelCap: (channel: string, hour: number) => `${prefix}:cap:${channel}:${hour}`,
    channelHeld: (channel: string, hour: number) => `${prefix}:held:${channel}:${hour}`,
    /** The cap's verdict per notification, so a retried dispatch is counted once. */
    channelCapVerdicts: (channel: string, hour: number) => `${prefix}:cap:${channel}:${hour}:verdicts`,
    /** Since when a delivery target has been failing, and whether that was alerted. */
    deliveryFailing: (target: string) => `${prefix}:delivery-failing:${target}`,
    delivered: (deliveryId: string) => `${prefix}:delivered:${deliveryId}`,
    modelHealth: (modelKey: string) => `${prefix}:health:${modelKey}`,
    /**
     * Models with health, by when it was last written: by the probes (kept while they run), or by
     * traffic alone (trimmed as that health expires). What the status page, the health JSON and
     * /metrics list, instead of a SCAN of the keyspace.
     */
    modelHealthIndex: (writer: 'probes' | 'traffic') => `${prefix}:health-index:${writer}`,
    /** Health transitions written with the state they change and not yet on the alerts queue, and when. */
    healthOutbox: () => `${prefix}:health-outbox`,
    healthOutboxTimes: () => `${prefix}:health-outbox:at`,
    /** Set while a provider's aggregate (outage, key failure, storm) is firing, so it is sent once. */
    aggregateFlag: (kind: string, provider: string) => `${prefix}:aggregate:${kind}:${provider}`,
    /** The models in a provider's storm window; the window is in the name, so a new one starts clean. */
    stormMembers: (kind: string, provider: string, windowMs: number) =>
      `${prefix}:storm:${kind}:${provider}:${windowMs}`,
    /** Notifications taken from their groups and not yet queued for delivery, and when each was taken. */
    alertOutbox: () => `${prefix}:alert-outbox`,
    alertOutboxTimes: () => `${prefix}:alert-outbox:at`,
    /** Signatures of errors the classifier could not place, by when last seen (bounded: unknown-signatures.ts). */
    unknownSignatures: () => `${prefix}:classifier:unknowns`,
    /** Each signature's count, first seen, description and latest redacted sample. */
    unknownSignatureDetails: () => `${prefix}:classifier:unknowns:details`,
  };
}
export type RedisKeys = ReturnType<typeof redisKeys>;
