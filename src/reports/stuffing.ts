import { OTHER } from '../anonymity/generalise.ts';
import type { Table } from './disclosure.ts';
import { NOT_REPORTED } from './tables.ts';

/** Invitations of one raw combination of the reportable dimensions, and how many are suspect. */
export interface InvitedCombination {
  values: string[];
  n: number;
  /** Tokens HR could answer with itself: pool codes, and HR-held links of roster additions. */
  suspect: number;
  /**
   * Invitations revoked (a leaver, a sync import): nobody can answer them any more, and HR chose
   * whose they are, so they never count as the non-responders that hide who answered (SPEC P7).
   */
  revoked: number;
}

/** What the rule reads of a wave: its released atoms (values, respondents), tables and invitations. */
export interface StuffingInput {
  atoms: Array<{ values: string[]; counts: { respondents: number } }>;
  tables: Table[];
  invited: InvitedCombination[];
}

/**
 * Roster stuffing (issue 13, docs/reports.md). HR who holds tokens it could answer with itself
 * (suspect tokens) can put its own answers into a cell and subtract them again, so a cell of k
 * respondents may describe fewer than k genuine people. A cell is withheld when it holds suspect
 * tokens and between 1 and k-1 non-suspect invitations: HR's own answers, subtracted, would
 * isolate the answers of fewer than k genuine people. (Not withheld for having few respondents
 * beyond its suspect tokens: a department with a kiosk pool as large as its depot would never be
 * reported; with at least k genuine invitees, what HR isolates stays among at least k people.)
 * A cell with only suspect tokens (a kiosk-only segment) is not withheld: no genuine invitation is
 * there to isolate. Generalised values ("other", "(not reported)") stand for every raw value, as
 * in the engine's roster bounds. Returns the cell ids, to be forced hidden (so complementary
 * suppression protects them too).
 */
export function stuffedCells(wave: StuffingInput, k: number): string[] {
  const withheld: string[] = [];
  for (const table of wave.tables) {
    for (const cell of table.cells) {
      const combos = new Set<InvitedCombination>();
      for (const a of cell.atoms) {
        const atom = wave.atoms[a]!;
        for (const combo of wave.invited) if (standsFor(atom.values, combo.values)) combos.add(combo);
      }
      let suspect = 0;
      let invited = 0;
      for (const combo of combos) {
        suspect += combo.suspect;
        invited += combo.n;
      }
      const genuine = invited - suspect;
      if (suspect > 0 && genuine >= 1 && genuine < k) withheld.push(cell.id);
    }
  }
  return withheld;
}

function standsFor(released: string[], raw: string[]): boolean {
  return released.every((v, i) => v === OTHER || v === NOT_REPORTED || v === raw[i]);
}
