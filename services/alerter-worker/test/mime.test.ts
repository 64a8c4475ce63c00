import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildMime, encodeHeader, quotedPrintable } from '../src/channels/mime.ts';

const text = [
  'ALERT: BILLING_QUOTA',
  'Severity: CRITICAL',
  '',
  `Message: ${'a long line that needs soft breaks, with = signs and ünïcödé and 🚨 '.repeat(4)}`,
  'trailing space ',
  '.a line starting with a dot',
].join('\n');

describe('the alert mail', () => {
  it('parses back, with a real MIME parser, to exactly what went in', async () => {
    const raw = buildMime({
      from: 'faultline@example.com',
      to: ['a@example.com', 'b@example.com'],
      subject: '🚨 Faultline Alert: Billing Quota (opénai)',
      text,
      html: `<pre>${text}</pre>`,
      messageId: '<n-1@faultline>',
      headers: { 'X-Faultline-Group': 'fp-1' },
      date: new Date('2025-11-17T10:30:00Z'),
    });
    const mail = await simpleParser(raw);
    expect(mail.subject).toBe('🚨 Faultline Alert: Billing Quota (opénai)');
    expect(mail.text).toBe(text);
    expect(mail.html).toBe(`<pre>${text}</pre>`);
    expect(mail.messageId).toBe('<n-1@faultline>');
    expect(mail.headers.get('x-faultline-group')).toBe('fp-1');
    expect(mail.date?.toISOString()).toBe('2025-11-17T10:30:00.000Z');
    expect((mail.to as { text: string }).text).toBe('a@example.com, b@example.com');
    // RFC 5322 asks for 78 characters a line at most; quoted-printable keeps bodies within 76.
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(raw).not.toMatch(/[^\r]\n/);
  });

  it('keeps a CR/LF in a value from starting a header of its own', () => {
    const raw = buildMime({
      from: 'f@example.com',
      to: ['t@example.com'],
      subject: 'x (evil\r\nBcc: victim@example.com)',
      text: 't',
      html: 'h',
      messageId: '<m@faultline>',
      headers: { 'X-Faultline-Group': 'g\nBcc: victim@example.com' },
    });
    expect(raw).not.toMatch(/^Bcc:/m);
  });

  it('encodes only what must be encoded', () => {
    expect(quotedPrintable('plain line\nsecond')).toBe('plain line\r\nsecond');
    expect(quotedPrintable('a=b')).toBe('a=3Db');
    expect(quotedPrintable('end ')).toBe('end=20');
    expect(encodeHeader('ASCII subject')).toBe('ASCII subject');
    expect(encodeHeader('é')).toBe(`=?UTF-8?B?${Buffer.from('é').toString('base64')}?=`);
  });
});
