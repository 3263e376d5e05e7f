import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { bearer } from '../helpers/factories.ts';
import { rosteredOrganization } from '../helpers/roster.ts';
import { createSurvey } from '../helpers/surveys.ts';

let t: TestApp;
let admin: string;

// One connection: a query that leaves its transaction for the pool would wait for itself forever.
beforeAll(async () => {
  t = await buildTestApp({ config: { dbPoolSize: 1 } });
  ({ admin } = await rosteredOrganization(t.app, 12));
});
afterAll(() => t.close());

describe('PATCH /v1/surveys/:id', () => {
  it('when a draft gets a new k and audience, then every check runs inside the one transaction', async () => {
    const { id } = await createSurvey(t.app, admin, { template: 'pulse' });
    const patched = t.app.inject({
      method: 'PATCH',
      url: `/v1/surveys/${id}`,
      headers: bearer(admin),
      payload: { minGroupSize: 6, audience: { filter: { department: ['Customer Support'] } } },
    });
    const stuck = new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 5_000).unref());
    const response = await Promise.race([patched, stuck]);
    expect(response).not.toBe('stuck');
    if (response === 'stuck') return;
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ minGroupSize: 6 });
  });
});
