import { describe, expect, it } from 'vitest';
import { LightResponse } from '../src/light-response.ts';

const answer = () =>
  new LightResponse(
    200,
    { 'content-type': 'application/json', 'x-request-id': 'req_1', 'set-cookie': ['a', 'b'] },
    'http://x/v1',
    Buffer.from('{"ok":true}'),
  );

describe('a successful answer in the shape of a fetch Response', () => {
  it('reads its body once, like fetch', async () => {
    const res = answer();
    expect(res.bodyUsed).toBe(false);
    expect(await res.json()).toEqual({ ok: true });
    expect(res.bodyUsed).toBe(true);
    await expect(res.text()).rejects.toThrow(TypeError);
  });

  it('looking at body reads nothing; reading the stream uses it up', async () => {
    const res = answer();
    const body = res.body;
    expect(res.bodyUsed).toBe(false);
    expect(await new Response(body).text()).toBe('{"ok":true}');
    expect(res.bodyUsed).toBe(true);
  });

  it('a clone reads on its own', async () => {
    const res = answer();
    expect(await res.clone().text()).toBe('{"ok":true}');
    expect(await res.json()).toEqual({ ok: true });
  });

  it('headers read case-insensitively, repeated ones joined, iterated sorted as fetch does', () => {
    const { headers } = answer();
    expect(headers.get('X-Request-Id')).toBe('req_1');
    expect(headers.get('absent')).toBeNull();
    expect(headers.has('Content-Type')).toBe(true);
    expect([...headers].map(([k]) => k)).toEqual(['content-type', 'set-cookie', 'x-request-id']);
    expect(headers.get('set-cookie')).toBe('a, b');
  });
});
