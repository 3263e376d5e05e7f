import net from 'node:net';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await buildTestApp({ captureLogs: true });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as AddressInfo).port;
});
afterAll(() => t.close());

/** Sends raw bytes and reads the whole answer: Node refuses some requests before Fastify sees them. */
function rawExchange(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('close', () => resolve(answer));
    socket.on('error', (error) => (answer ? resolve(answer) : reject(error)));
    socket.write(bytes);
  });
}

function parseHttp(raw: string) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...lines] = head!.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
  );
  return { status: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
}

function expectProblem(status: number, headers: Record<string, unknown>, body: unknown, code: string) {
  expect(headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(body).toMatchObject({ status, code, type: `urn:quorum:problem:${code}`, title: expect.any(String) });
  // The same protections as every other answer.
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['content-security-policy']).toContain("default-src 'none'");
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['cache-control']).toBe('no-store');
}

describe('answers Fastify or Node give before any route runs', () => {
  it('when a link token is longer than a route parameter may be, then 414 problem+json', async () => {
    const response = await request(t.app.server).get(`/s/qi_${'a'.repeat(150)}`);
    expect(response.status).toBe(414);
    expectProblem(414, response.headers, JSON.parse(response.text), 'uri-too-long');
  });

  it('when the URL holds an invalid percent-encoding, then 400 problem+json', async () => {
    const response = await request(t.app.server).get('/s/%c0%af');
    expect(response.status).toBe(400);
    expectProblem(400, response.headers, JSON.parse(response.text), 'bad-request');
  });

  it('when the headers are larger than 16 KB, then 431 problem+json and the connection closes', async () => {
    const raw = await rawExchange(
      `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    const response = parseHttp(raw);
    expect(response.status).toBe(431);
    expect(Number(response.headers['content-length'])).toBe(Buffer.byteLength(response.body));
    expectProblem(431, response.headers, JSON.parse(response.body), 'request-header-fields-too-large');
    expect(response.headers.connection).toBe('close');
  });

  it('when a request line is not HTTP at all, then 400 problem+json', async () => {
    const response = parseHttp(await rawExchange('NOT HTTP\r\n\r\n'));
    expect(response.status).toBe(400);
    expectProblem(400, response.headers, JSON.parse(response.body), 'bad-request');
  });

  it('when such a request is refused, then neither the token nor the padding reaches the log', async () => {
    const secret = `qi_${'s'.repeat(150)}`;
    await request(t.app.server).get(`/s/${secret}`);
    await request(t.app.server).get('/s/%c0%af');
    expect(t.rawLogs.join('\n')).not.toContain('s'.repeat(150));
    expect(t.rawLogs.join('\n')).not.toContain('%c0%af');
  });
});
