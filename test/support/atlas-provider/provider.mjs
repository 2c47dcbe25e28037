// The tfplugin6.Provider service of the stand-in Atlas provider (a test double, see
// README.md): schema, validation, state upgrade/read, and plan/apply via resource.mjs.
import { appendFileSync } from 'node:fs';
import { apply, envNameOf, plan, validate } from './resource.mjs';
import { decodeObject, encodeObject, objectFromStateJson, RESOURCE_ATTRIBUTES } from './values.mjs';

const RESOURCE_TYPE = 'atlas_schema';

/**
 * Appends one line per RPC to ATLAS_STANDIN_CALLS, so tests can assert what Terraform asked
 * and, for Plan/Apply, which access key id the credentials came with (never the secret).
 * @param {string} rpc
 * @param {string} [envName]
 * @param {string} [accessKeyId]
 */
function recordCall(rpc, envName, accessKeyId) {
  const file = process.env.ATLAS_STANDIN_CALLS;
  if (!file) return;
  const line = { rpc, pid: process.pid, ...(envName ? { env: envName } : {}), ...(accessKeyId ? { accessKeyId } : {}) };
  appendFileSync(file, JSON.stringify(line) + '\n');
}

function resourceSchema() {
  return {
    version: 0,
    block: {
      version: 0,
      description: 'atlas_schema of the stand-in Atlas provider (a test double, not Atlas).',
      attributes: RESOURCE_ATTRIBUTES.map((a) => ({
        name: a.name,
        type: Buffer.from(JSON.stringify(a.type)),
        description: a.description,
        required: 'required' in a && a.required === true,
        optional: 'optional' in a && a.optional === true,
        computed: 'computed' in a && a.computed === true,
        sensitive: 'sensitive' in a && a.sensitive === true,
      })),
    },
  };
}

/** @param {string} typeName */
function unknownType(typeName) {
  return [
    {
      severity: 'ERROR',
      summary: 'Unknown resource type',
      detail: `The stand-in Atlas provider only serves ${RESOURCE_TYPE}, not ${typeName}.`,
    },
  ];
}

/**
 * Wraps an async handler as a grpc-js unary handler that records the call and never lets
 * an exception escape as a bare gRPC error (Terraform would print it without context).
 * @param {string} rpc
 * @param {(req: any) => Promise<{ response: object, env?: string, accessKeyId?: string }> | { response: object, env?: string }} fn
 */
function unary(rpc, fn) {
  return (/** @type {any} */ call, /** @type {Function} */ callback) => {
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (/** @type {{ response: object, env?: string, accessKeyId?: string }} */ { response, env, accessKeyId }) => {
          recordCall(rpc, env, accessKeyId);
          callback(null, response);
        },
        (err) => {
          recordCall(rpc);
          process.stderr.write(`stand-in Atlas provider: ${rpc} failed: ${err?.stack ?? err}\n`);
          callback(null, {
            diagnostics: [
              { severity: 'ERROR', summary: `${rpc} failed in the stand-in Atlas provider`, detail: String(err?.message ?? err) },
            ],
          });
        },
      );
  };
}

export const providerHandlers = {
  GetMetadata: unary('GetMetadata', () => ({
    response: { server_capabilities: { get_provider_schema_optional: false }, resources: [{ type_name: RESOURCE_TYPE }] },
  })),
  GetProviderSchema: unary('GetProviderSchema', () => ({
    response: {
      provider: { version: 0, block: { version: 0, attributes: [] } },
      resource_schemas: { [RESOURCE_TYPE]: resourceSchema() },
      server_capabilities: { plan_destroy: false, get_provider_schema_optional: false },
    },
  })),
  ValidateProviderConfig: unary('ValidateProviderConfig', () => ({ response: { diagnostics: [] } })),
  ConfigureProvider: unary('ConfigureProvider', () => ({ response: { diagnostics: [] } })),
  StopProvider: unary('StopProvider', () => ({ response: {} })),
  ValidateResourceConfig: unary('ValidateResourceConfig', (req) => {
    if (req.type_name !== RESOURCE_TYPE) return { response: { diagnostics: unknownType(req.type_name) } };
    const config = decodeObject(req.config);
    return { response: { diagnostics: validate(config) }, env: envNameOf(config) };
  }),
  UpgradeResourceState: unary('UpgradeResourceState', (req) => {
    if (req.type_name !== RESOURCE_TYPE) return { response: { diagnostics: unknownType(req.type_name) } };
    const state = objectFromStateJson(req.raw_state?.json ?? '{}');
    return { response: { upgraded_state: encodeObject(state), diagnostics: [] }, env: envNameOf(state) };
  }),
  ReadResource: unary('ReadResource', (req) => {
    const state = decodeObject(req.current_state);
    return { response: { new_state: req.current_state, private: req.private, diagnostics: [] }, env: envNameOf(state) };
  }),
  PlanResourceChange: unary('PlanResourceChange', async (req) => {
    if (req.type_name !== RESOURCE_TYPE) return { response: { diagnostics: unknownType(req.type_name) } };
    const config = decodeObject(req.config);
    const { planned, diagnostics, accessKeyId } = await plan({
      prior: decodeObject(req.prior_state),
      proposed: decodeObject(req.proposed_new_state),
      config,
    });
    // On an error Terraform ignores the planned state, but it must still decode.
    return { response: { planned_state: encodeObject(planned), diagnostics }, env: envNameOf(config), accessKeyId };
  }),
  ApplyResourceChange: unary('ApplyResourceChange', async (req) => {
    if (req.type_name !== RESOURCE_TYPE) return { response: { diagnostics: unknownType(req.type_name) } };
    const config = decodeObject(req.config);
    const { newState, diagnostics, accessKeyId } = await apply({
      prior: decodeObject(req.prior_state),
      planned: decodeObject(req.planned_state),
      config,
    });
    return { response: { new_state: encodeObject(newState), diagnostics }, env: envNameOf(config), accessKeyId };
  }),
};
