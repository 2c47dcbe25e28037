// cty values over msgpack, as Terraform's plugin protocol carries them (DynamicValue.msgpack).
// Part of the stand-in Atlas provider, a test double: see README.md.
import { decode, encode, ExtensionCodec } from '@msgpack/msgpack';

/** Marker for a cty unknown value ("known after apply"). */
export const UNKNOWN = Symbol('unknown');

// cty encodes unknown as msgpack extension 0 holding one zero byte; refined unknowns
// (Terraform 1.6+) use extension 12 with a payload describing the refinement. Both mean
// "unknown" to the double, and it only ever writes the plain form.
const codec = new ExtensionCodec();
codec.register({
  type: 0,
  encode: (value) => (value === UNKNOWN ? new Uint8Array([0]) : null),
  decode: () => UNKNOWN,
});
codec.register({ type: 12, encode: () => null, decode: () => UNKNOWN });

/** The atlas_schema attributes, in the order the real provider declares them. */
export const RESOURCE_ATTRIBUTES = /** @type {const} */ ([
  { name: 'hcl', type: 'string', required: true, description: 'The schema definition in Atlas HCL.' },
  { name: 'url', type: 'string', optional: true, sensitive: true, description: 'The database URL.' },
  { name: 'dev_url', type: 'string', optional: true, sensitive: true, description: 'The dev database URL.' },
  { name: 'config', type: 'string', optional: true, description: 'Atlas project configuration (atlas.hcl).' },
  { name: 'variables', type: 'string', optional: true, description: 'JSON-encoded input variables for config.' },
  { name: 'env_name', type: 'string', optional: true, description: 'The env of config to use.' },
  { name: 'tx_mode', type: 'string', optional: true, description: 'Transaction mode: none, file or all.' },
  { name: 'exclude', type: ['list', 'string'], optional: true, description: 'Resources to exclude.' },
  { name: 'id', type: 'string', computed: true, description: 'The ID of this resource.' },
]);

/** The provider block's attributes (its `cloud` block is not declared). */
export const PROVIDER_ATTRIBUTES = /** @type {const} */ ([
  { name: 'binary_path', type: 'string', optional: true, description: 'The path to the atlas-cli binary; default: atlas on PATH.' },
  { name: 'dev_url', type: 'string', optional: true, sensitive: true, description: 'The dev database URL for all resources.' },
]);

/**
 * @typedef {string | null | typeof UNKNOWN} Str
 * @typedef {{ hcl: Str, url: Str, dev_url: Str, config: Str, variables: Str, env_name: Str,
 *   tx_mode: Str, exclude: string[] | null | typeof UNKNOWN, id: Str }} ResourceObject
 */

/**
 * Decodes a DynamicValue into a resource object, or null for a null object (the prior state
 * of a resource being created is the single byte 0xc0).
 * @param {{ msgpack?: Uint8Array, json?: Uint8Array } | null | undefined} dv
 * @returns {ResourceObject | null}
 */
export function decodeObject(dv) {
  if (!dv) return null;
  if (dv.msgpack && dv.msgpack.length > 0) {
    return normalize(decode(dv.msgpack, { extensionCodec: codec }));
  }
  if (dv.json && dv.json.length > 0) return normalize(JSON.parse(Buffer.from(dv.json).toString('utf8')));
  return null;
}

/**
 * Decodes a DynamicValue as a plain object (the provider block's config), {} when null.
 * @param {{ msgpack?: Uint8Array, json?: Uint8Array } | null | undefined} dv
 * @returns {Record<string, unknown>}
 */
export function decodeRaw(dv) {
  let value = null;
  if (dv?.msgpack && dv.msgpack.length > 0) value = decode(dv.msgpack, { extensionCodec: codec });
  else if (dv?.json && dv.json.length > 0) value = JSON.parse(Buffer.from(dv.json).toString('utf8'));
  return value && typeof value === 'object' ? /** @type {Record<string, unknown>} */ (value) : {};
}

/**
 * Encodes a resource object (every schema attribute present; missing ones become null).
 * @param {ResourceObject | null} obj
 * @returns {{ msgpack: Uint8Array }}
 */
export function encodeObject(obj) {
  return { msgpack: encode(obj === null ? null : normalize(obj), { extensionCodec: codec }) };
}

/** State stored by Terraform as JSON (UpgradeResourceState) → resource object. */
export function objectFromStateJson(/** @type {Uint8Array | string} */ json) {
  return normalize(JSON.parse(Buffer.from(json).toString('utf8')));
}

/** @returns {ResourceObject | null} */
function normalize(/** @type {unknown} */ value) {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') throw new Error(`expected an object value, got ${typeof value}`);
  const src = /** @type {Record<string, unknown>} */ (value);
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const attr of RESOURCE_ATTRIBUTES) out[attr.name] = src[attr.name] ?? null;
  return /** @type {ResourceObject} */ (out);
}

/** A string attribute's value, or null when null or unknown. */
export function knownString(/** @type {unknown} */ value) {
  return typeof value === 'string' ? value : null;
}
