/**
 * Attribute keys and values are chosen by HR (a dimension may be called `constructor`, a team
 * `__proto__`), so a plain-object lookup would find Object.prototype's members for a participant
 * who lacks the attribute. Every lookup by an attribute key goes through here (own properties only).
 */
export function attributeOf<T>(attributes: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(attributes, key) ? attributes[key] : undefined;
}
