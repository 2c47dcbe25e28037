// Narrowing helpers for JSON from outside (event payloads, Terraform's stream, our comment's
// record): every field is checked before it is used, and a wrong type reads as absent.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as an object, or an empty one. */
export function obj(value: unknown): JsonObject {
  return isObject(value) ? value : {};
}

export function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** A finite number, or undefined. */
export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** An array of strings, or undefined when the value is anything else. */
export function strings(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const items: unknown[] = value;
  return items.every((v): v is string => typeof v === 'string') ? items : undefined;
}

export function array(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
