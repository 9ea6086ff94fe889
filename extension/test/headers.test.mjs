// headers.test.mjs - which request headers are carried to the NAS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickHeaders, headerValue, MAX_HEADER_VALUE } from '../lib/headers.js';

test('pickHeaders', () => {
  const cases = [
    {
      name: 'the four forwarded headers, canonical names',
      in: [
        { name: 'referer', value: 'https://site.test/watch/1' },
        { name: 'ORIGIN', value: 'https://site.test' },
        { name: 'User-Agent', value: 'Mozilla/5.0 X' },
        { name: 'cookie', value: 'sid=1; pref=2' },
        { name: 'Accept', value: '*/*' },
        { name: 'Authorization', value: 'Bearer secret' },
        { name: 'Sec-Fetch-Mode', value: 'cors' },
      ],
      want: { Referer: 'https://site.test/watch/1', Origin: 'https://site.test', 'User-Agent': 'Mozilla/5.0 X', Cookie: 'sid=1; pref=2' },
    },
    { name: 'none present', in: [{ name: 'Accept', value: '*/*' }], want: {} },
    { name: 'empty and blank values dropped', in: [{ name: 'Cookie', value: '' }, { name: 'Referer', value: '   ' }], want: {} },
    { name: 'first occurrence wins', in: [{ name: 'Cookie', value: 'a=1' }, { name: 'cookie', value: 'b=2' }], want: { Cookie: 'a=1' } },
    { name: 'CR/LF injection refused', in: [{ name: 'Referer', value: 'https://x.test/\r\nX-Evil: 1' }], want: {} },
    { name: 'oversize refused', in: [{ name: 'Cookie', value: 'a='.padEnd(MAX_HEADER_VALUE + 1, 'x') }], want: {} },
    { name: 'binaryValue only (no value)', in: [{ name: 'Cookie', binaryValue: [97] }], want: {} },
    { name: 'not an array', in: undefined, want: {} },
    { name: 'junk entries', in: [null, 3, { value: 'x' }, { name: 'Origin', value: 'https://o.test' }], want: { Origin: 'https://o.test' } },
  ];
  for (const c of cases)
    assert.deepEqual(pickHeaders(c.in), c.want, c.name);
});

test('headerValue', () => {
  const h = [{ name: 'Content-Type', value: 'application/x-mpegURL' }, { name: 'content-type', value: 'text/plain' }];
  const cases = [
    [h, 'content-type', 'application/x-mpegURL'],
    [h, 'CONTENT-TYPE', 'application/x-mpegURL'],
    [h, 'content-length', ''],
    [undefined, 'content-type', ''],
    [[{ name: 'Content-Type' }], 'content-type', ''],
  ];
  for (const [headers, name, want] of cases)
    assert.equal(headerValue(headers, name), want, name);
});
