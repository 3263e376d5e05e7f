import { z } from 'zod';

/**
 * Text PostgreSQL can store: no NUL (text and jsonb reject it) and no lone surrogate halves
 * (jsonb rejects their escapes). Refusing them at the edge turns would-be 500s into clear 400s.
 */
export function isStorable(value: string): boolean {
  return !value.includes('\u0000') && value.isWellFormed();
}

export const storableText = (max: number) =>
  z.string().max(max).refine(isStorable, { message: 'contains a NUL character or invalid Unicode' });
