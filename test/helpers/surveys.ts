import type { App } from '../../src/app.ts';
import { bearer } from './factories.ts';

export interface RespondentQuestion {
  id: string;
  type: string;
  required: boolean;
  options?: Array<{ id: string }>;
}

/** A valid answer set for the questions a respondent sees, varied by `seed`. */
export function answersFor(questions: RespondentQuestion[], seed = 0): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  questions.forEach((q, i) => {
    const n = seed + i;
    if (q.type === 'likert5') answers[q.id] = 1 + (n % 5);
    else if (q.type === 'scale0_10') answers[q.id] = n % 11;
    else if (q.type === 'yes_no') answers[q.id] = n % 2 === 0;
    else if (q.type === 'single_choice') answers[q.id] = q.options![n % q.options!.length]!.id;
    else if (q.type === 'multi_choice') answers[q.id] = [q.options![n % q.options!.length]!.id];
    else if (q.type === 'text' && q.required) answers[q.id] = `comment ${n}`;
  });
  return answers;
}

/** A survey; unless `delivery` says otherwise, one whose links HR receives (tests answer through them). */
export async function createSurvey(app: App, token: string, body: Record<string, unknown>) {
  const payload = { delivery: 'download', ...body };
  const response = await app.inject({ method: 'POST', url: '/v1/surveys', headers: bearer(token), payload });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json() as { id: string; minGroupSize: number };
}

export async function openWave(app: App, token: string, surveyId: string) {
  const response = await app.inject({ method: 'POST', url: `/v1/surveys/${surveyId}/waves`, headers: bearer(token) });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json() as {
    wave: { id: string; number: number };
    invitations: Array<{ externalId: string; link: string; code: string }>;
  };
}

export const tokenOfLink = (link: string) => link.slice(link.lastIndexOf('/') + 1);

export async function startSession(app: App, token: string, lang?: string) {
  return app.inject({
    method: 'POST',
    url: `/v1/respond/session${lang ? `?lang=${lang}` : ''}`,
    payload: { token },
    remoteAddress: `10.7.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
  });
}

export async function submit(app: App, sessionToken: string, answers: Record<string, unknown>) {
  return app.inject({
    method: 'POST',
    url: '/v1/respond/submit',
    headers: { authorization: `Bearer ${sessionToken}` },
    payload: { answers },
    remoteAddress: `10.8.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`,
  });
}

/** Link token → session → valid answers → submit; returns the submit response. */
export async function answerByLink(app: App, link: string, seed = 0) {
  const session = await startSession(app, tokenOfLink(link));
  if (session.statusCode !== 200) return session;
  const { sessionToken, survey } = session.json();
  return submit(app, sessionToken, answersFor(survey.questions, seed));
}
