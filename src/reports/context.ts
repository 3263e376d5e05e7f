import type { Scope } from '../db/schema.ts';
import type { SurveyDefinition } from '../surveys/questions.ts';

/** How a survey is reported: fixed settings (k only rises) and the waves it has had. */
export interface ReportingSettings {
  definition: SurveyDefinition;
  k: number;
  /** The k the survey had before each raise since it opened. */
  earlierK: number[];
  /** The organization's comment threshold (a comment list needs max(k, this) writers). */
  orgCommentK: number;
  reportable: string[];
  pairs: Array<[string, string]>;
}

export interface ReportContext extends ReportingSettings {
  orgId: string;
  surveyId: string;
  commentK: number;
  waves: Array<{ id: string; number: number; status: 'open' | 'closed'; opened_on: string; closed_on: string | null }>;
  scope: Scope | null;
}
