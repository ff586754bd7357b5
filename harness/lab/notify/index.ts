/** Webhook notifications of the lab: events, the bodies each webhook accepts, and delivery with retries. */
export type { CampaignFinishedEvent, CaseCounts, DeviceQuarantinedEvent, LabEvent, LabEventKind, RunFailedEvent, ScheduleMissedEvent, WorkerOfflineEvent } from './events.js';
export { EVENT_KINDS } from './events.js';
export { checkTarget, maskWebhookUrl, wants, WEBHOOK_FORMATS, type WebhookFormat, type WebhookTarget } from './target.js';
export { formatMessage, requestUrl, type DingTalkBody, type GenericBody, type SlackBody, type WebhookBody, type WeComBody } from './format.js';
export { describeEvent, type Message } from './message.js';
export { deliver, notifyAll, type DeliverOptions, type DeliveryResult } from './deliver.js';
