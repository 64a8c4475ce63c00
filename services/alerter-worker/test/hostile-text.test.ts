import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AlertEvent, alertSubject, contractJsonSchema, WebhookPayload } from '@faultline/core';
import {
  decodeWords,
  quotaEvent,
  quotaNotification,
  REPO_ROOT,
  runRepoProcess,
  startTestRedis,
  type TestRedis,
} from '@faultline/testkit';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENTRY_RULE } from '../src/channels/alert-file.ts';
import { buildMime, headerField } from '../src/channels/mime.ts';
import { billingEvent, until } from './support/alerter-env.ts';
import { alerterHarness } from './support/alerter-harness.ts';
import { type Received, startHttpSink } from './support/http-sink.ts';
import { type ReceivedMail, startSmtpSink } from './support/smtp-sink.ts';

/** The review's forgery (B5): a message that, written as it is, is a second alert-file entry. */
const FORGED_ENTRY = `x\n${'='.repeat(80)}\nTIMESTAMP: 2020-01-01T00:00:00Z\nALERT: BILLING_QUOTA\n`;
/** The review's Slack case: a model name an OpenAI 404 echoes, closing the code block, pinging, phishing. */
const EVIL_MODEL = 'x```<!channel> <https://evil.example|rotate your key>';

/** An external producer's event with hostile text in every free-text field (within the contract's bounds). */
const hostileEvent = (): AlertEvent =>
  billingEvent('evil & co <!here>', {
    model: EVIL_MODEL,
    message: `${FORGED_ENTRY}<script>alert(1)</script> \u001b[2J\u202Egnp.exe`,
    originalError: 'E\r\nTIMESTAMP: 2020-01-01T00:00:00Z',
    recommendedActions: ['Rotate\nALERT: SERVER_ERROR', '<b>bold</b> & `code`'],
  });

let redis: TestRedis;
let hook: Awaited<ReturnType<typeof startHttpSink>>;
let slack: Awaited<ReturnType<typeof startHttpSink>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
/** What each person and receiver got from one hostile event through the running alerter. */
let got: { file: string; mail: ReceivedMail; webhook: Received; slack: Received };

beforeAll(async () => {
  [redis, hook, slack, smtp] = await Promise.all([
    startTestRedis(),
    startHttpSink(),
    startHttpSink(),
    startSmtpSink(),
  ]);
  const alertFile = join(mkdtempSync(join(tmpdir(), 'faultline-hostile-')), 'alerts.log');
  const h = await alerterHarness(redis.url, {
    ALERT_FILE_PATH: alertFile,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
    WEBHOOK_URLS: `${hook.url}/hook`,
    SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/token`,
  });
  try {
    await h.send(hostileEvent());
    await until(
      'the file, the mail, the webhook and Slack',
      () =>
        h.entries().length >= 1 &&
        smtp.mails.length >= 1 &&
        hook.received.length >= 1 &&
        slack.received.length >= 1,
    );
    await until('every delivery to finish', h.idle);
    got = {
      file: readFileSync(alertFile, 'utf8'),
      mail: smtp.mails[0]!,
      webhook: hook.received[0]!,
      slack: slack.received[0]!,
    };
  } finally {
    await h.close();
  }
});
afterAll(async () => {
  await Promise.all([hook?.close(), slack?.close(), smtp?.stop(), redis?.close()]);
});

describe('a multi-line message cannot forge an alert-file entry', () => {
  it('the file holds one entry: one TIMESTAMP line between two rules, the hostile lines indented within it', () => {
    const lines = got.file.split('\n');
    expect(lines.filter((l) => l.startsWith('TIMESTAMP:'))).toHaveLength(1);
    expect(lines.filter((l) => l === ENTRY_RULE)).toHaveLength(2);
    expect(lines.filter((l) => /^ALERT: /.test(l))).toEqual(['ALERT: BILLING_QUOTA']);
    // Nothing is lost: a reader still sees what the producer sent, as part of its field.
    expect(got.file).toContain(`Details: x\n    ${'='.repeat(80)}\n    TIMESTAMP: 2020-01-01T00:00:00Z\n`);
    expect(got.file).toContain('Original Error: E\n    TIMESTAMP: 2020-01-01T00:00:00Z\n');
    expect(got.file).toContain('1. Rotate\n    ALERT: SERVER_ERROR\n');
  });

  it('a terminal escape or a bidi override shows as an escape, not acted on by `tail -f`', () => {
    for (const unseen of ['\u001b', '\u202e', '\r']) expect(got.file.includes(unseen)).toBe(false);
    expect(got.file).toContain('\\x1b[2J\\u202egnp.exe');
  });
});

describe('Slack mrkdwn and HTML are escaped', () => {
  it('Slack gets no mention, no link and one code block; &, < and > are entities', () => {
    const { text } = JSON.parse(got.slack.body) as { text: string };
    expect(text).not.toMatch(/<!|<https?:|<script/);
    expect(text).toContain('&lt;!channel&gt; &lt;https://evil.example|rotate your key&gt;');
    expect(text).toContain('evil &amp; co &lt;!here&gt;');
    // Only the block's own fences: the model's backticks cannot close it.
    expect(text.match(/```/g)).toHaveLength(2);
    expect(text).toMatch(/^\*[^\n]*\*\n```[\s\S]*```$/);
    // Every & starts an entity.
    expect(text).not.toMatch(/&(?!amp;|lt;|gt;)/);
  });

  it("the mail's HTML part shows the markup as text; its text part keeps each hostile line inside its field", async () => {
    const mail = await simpleParser(got.mail.raw);
    const html = String(mail.html);
    expect(html).not.toMatch(/<script|<b>|<!channel/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; `code`');
    expect(mail.text?.split('\n').filter((l) => l.startsWith('TIMESTAMP:'))).toEqual([]);
  });
});

describe('every mail header line is within 998 characters', () => {
  it('the hostile mail: every header line ≤ 78 characters, and the subject reads back whole', async () => {
    const head = got.mail.raw.slice(0, got.mail.raw.indexOf('\r\n\r\n'));
    for (const line of head.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    const mail = await simpleParser(got.mail.raw);
    expect(mail.subject).toBe('🚨 Faultline Alert: Billing Quota (evil & co <!here>)');
    for (const line of got.mail.raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });

  const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
  it.each([
    ['a long subject with spaces: folded before a space', words],
    ['2,000 characters without a space: encoded words, which fold anywhere', 'A'.repeat(2000)],
    ['long and not ASCII', `ünïcödé ${'é'.repeat(1500)}`],
    ["a producer's own encoded word is not decoded as one", '=?UTF-8?B?PHNjcmlwdD4=?= hello'],
  ])('%s', async (_name, subject) => {
    const raw = buildMime({
      from: 'f@example.com',
      to: Array.from({ length: 60 }, (_, i) => `oncall-${i}@example.com`),
      subject,
      text: 't',
      html: 'h',
      messageId: '<m@faultline>',
      headers: { 'X-Faultline-Group': subject },
    });
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    for (const line of head.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe(subject);
    // mailparser decodes the Subject only; X- headers as a client would decode them.
    expect(decodeWords(String(mail.headers.get('x-faultline-group')))).toBe(subject);
    expect((mail.to as { value: unknown[] }).value).toHaveLength(60);
  });

  it('a long provider is cut to 64 characters in the subject, and a subject to 200', () => {
    const subject = (provider: string, prefix = 'P') =>
      alertSubject({ ...quotaNotification, event: { ...quotaEvent, provider } }, prefix);
    expect(subject(`${'p'.repeat(100)}`)).toBe(`P: Billing Quota (${'p'.repeat(63)}…)`);
    expect(Array.from(subject('🚨'.repeat(100), '🚨'.repeat(300)))).toHaveLength(200);
  });

  it('folding puts a CRLF before a space, never inside a word, and unfolds to the value', () => {
    expect(headerField('Subject', 'a b')).toBe('Subject: a b');
    const folded = headerField('Subject', words);
    expect(folded.replace(/\r\n /g, ' ')).toBe(`Subject: ${words}`);
    for (const line of folded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
  });
});

describe('webhook receivers get a versioned payload with a JSON Schema', () => {
  it('the body is version 1 of the schema, the hostile text carried exactly as JSON', () => {
    const body = JSON.parse(got.webhook.body);
    expect(body.version).toBe(1);
    const payload = WebhookPayload.parse(body);
    expect(payload.event.message).toBe(hostileEvent().message);
    expect(payload.event.model).toBe(EVIL_MODEL);
    expect(payload.id).toBe(got.webhook.headers['x-faultline-notification']);
  });

  it('`faultline schema webhook` prints its JSON Schema (contracts.test.ts keeps the committed copy equal)', async () => {
    const proc = runRepoProcess(['packages/cli/src/main.ts', 'schema', 'webhook'], {});
    expect(await proc.exited).toBe(0);
    const printed = JSON.parse(proc.output());
    expect(printed).toEqual(contractJsonSchema('webhook'));
    expect(printed.properties.version).toMatchObject({ const: 1 });
    expect(printed.required).toContain('version');
    expect(printed.description).toMatch(/X-Faultline-Signature.*300 s/);
    const committed = JSON.parse(
      readFileSync(`${REPO_ROOT}/packages/core/schemas/webhook.schema.json`, 'utf8'),
    );
    expect(committed.properties.version).toEqual(printed.properties.version);
  });
});
