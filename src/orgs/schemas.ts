import { z } from 'zod';
import type { Organization } from '../db/schema.ts';

export const organizationResponse = z.object({
  id: z.uuid(),
  slug: z.string(),
  name: z.string(),
  minGroupSize: z.number().int().describe('Default minimum group size k for new surveys.'),
});

export const updateOrganizationBody = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    minGroupSize: z.number().int().min(3).max(1000).optional().describe('Never below 3 (SPEC). Surveys keep the k they were created with.'),
  })
  .refine((b) => b.name !== undefined || b.minGroupSize !== undefined, { message: 'name or minGroupSize is required' });

export function toOrganizationResponse(org: Organization): z.infer<typeof organizationResponse> {
  return { id: org.id, slug: org.slug, name: org.name, minGroupSize: org.min_group_size };
}
