import { randomBytes } from 'node:crypto';

/**
 * UUIDs in ascending order from a random start, for bulk inserts (a wave's invitations, a roster
 * import): the primary key then grows at one place instead of a random leaf per row, the largest
 * index cost of both (bench/results.md, issue 16). The order says no more than the heap's own row
 * order already does. Such ids are never secrets: a session naming one is sealed, and markers are
 * keyed hashes of it.
 */
export function ascendingIds(): () => string {
  const id = randomBytes(16);
  // A well-formed UUID, version 8 (vendor-defined) and the RFC variant, as strict parsers expect.
  id[6] = (id[6]! & 0x0f) | 0x80;
  // Room for 2^40 ids after the start (far more than a wave or a roster holds), under the variant bits.
  let next = (id.readBigUInt64BE(8) & 0x3fffff0000000000n) | 0x8000000000000000n;
  return () => {
    id.writeBigUInt64BE(next++, 8);
    const hex = id.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
