// The tfplugin6.Provider service of the stand-in Atlas provider (a test double, see
// README.md): schema, validation, configuration (the Atlas CLI check), the update check,
// and read/plan/apply via resource.mjs.
import { appendFileSync } from 'node:fs';
import { checkAtlasCli } from './atlas-cli.mjs';
import { apply, envNameOf, plan, read, session, validate } from './resource.mjs';
import { loadScenario } from './scenario.mjs';
import { updateWarning } from './update-check.mjs';
import {
  decodeObject,
  decodeRaw,
  encodeObject,
  knownString,
  objectFromStateJson,
  PROVIDER_ATTRIBUTES,
  RESOURCE_ATTRIBUTES,
} from './values.mjs';

const RESOURCE_TYPE = 'atlas_schema';
const PROVIDER_VERSION = '0.10.3';

/**
 * Appends one line per RPC to ATLAS_STANDIN_CALLS, so tests can assert what Terraform asked,
 * which access key id the credentials came with (never the secret), which Atlas commands
 * the call ran (each one evaluates atlas.hcl and connects to the database), how long the
 * call took (ms), and for ConfigureProvider the names (never the values) of the environment
 * variables this process got: what any provider or `external` program a pull request brings
 * would see.
 * @param {string} rpc
 * @param {number} ms
 * @param {{ env?: string, accessKeyId?: string, atlas?: string[] }} [extra]
 */
function recordCall(rpc, ms, { env, accessKeyId, atlas } = {}) {
  const file = process.env.ATLAS_STANDIN_CALLS;
  if (!file) return;
  const line = {
    rpc,
    pid: process.pid,
    ...(env ? { env } : {}),
    ...(accessKeyId ? { accessKeyId } : {}),
    ...(atlas && atlas.length > 0 ? { atlas } : {}),
    ...(rpc === 'ConfigureProvider' ? { envNames: Object.keys(process.env).sort() } : {}),
    ms: Math.round(ms),
  };
  appendFileSync(file, JSON.stringify(line) + '\n');
}

/** @param {readonly { name: string, type: unknown, description: string }[]} attributes */
function block(attributes, description = '') {
  return {
    version: 0,
    description,
    attributes: attributes.map((a) => ({
      name: a.name,
      type: Buffer.from(JSON.stringify(a.type)),
      description: a.description,
      required: 'required' in a && a.required === true,
      optional: 'optional' in a && a.optional === true,
      computed: 'computed' in a && a.computed === true,
      sensitive: 'sensitive' in a && a.sensitive === true,
    })),
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
 * @typedef {{ response: object, env?: string, used?: { accessKeyId?: string, atlas: string[] } }} Handled
 */

/**
 * Wraps an async handler as a grpc-js unary handler that records the call and never lets
 * an exception escape as a bare gRPC error (Terraform would print it without context).
 * @param {string} rpc
 * @param {(req: any) => Promise<Handled> | Handled} fn
 */
function unary(rpc, fn) {
  return (/** @type {any} */ call, /** @type {Function} */ callback) => {
    const started = performance.now();
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (/** @type {Handled} */ { response, env, used }) => {
          recordCall(rpc, performance.now() - started, { ...(env ? { env } : {}), ...used });
          callback(null, response);
        },
        (err) => {
          recordCall(rpc, performance.now() - started);
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
      provider: { version: 0, block: block(PROVIDER_ATTRIBUTES) },
      resource_schemas: {
        [RESOURCE_TYPE]: {
          version: 0,
          block: block(RESOURCE_ATTRIBUTES, 'atlas_schema of the stand-in Atlas provider (a test double, not Atlas).'),
        },
      },
      // Like terraform-plugin-framework: Terraform asks the provider to plan deletes too.
      server_capabilities: { plan_destroy: true, get_provider_schema_optional: false },
    },
  })),
  ValidateProviderConfig: unary('ValidateProviderConfig', () => {
    const text = updateWarning(loadScenario().vercheck);
    return { response: { diagnostics: text ? [{ severity: 'WARNING', summary: 'Update Available', detail: text }] : [] } };
  }),
  ConfigureProvider: unary('ConfigureProvider', async (req) => {
    const config = decodeRaw(req.config);
    const cli = await checkAtlasCli(knownString(config.binary_path) ?? '', PROVIDER_VERSION);
    if (!cli.ok) {
      // A failed lookup never ran the CLI.
      const ran = cli.diagnostic.summary === 'Failed to create client' ? [] : ['version'];
      return { response: { diagnostics: [cli.diagnostic] }, used: { atlas: ran } };
    }
    Object.assign(session, { configured: true, cliVersion: cli.version, devUrl: knownString(config.dev_url) ?? '' });
    return { response: { diagnostics: [] }, used: { atlas: ['version'] } };
  }),
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
  ReadResource: unary('ReadResource', async (req) => {
    const state = decodeObject(req.current_state);
    if (req.type_name !== RESOURCE_TYPE || state === null) {
      return { response: { new_state: req.current_state, private: req.private, diagnostics: [] }, env: envNameOf(state) };
    }
    const { newState, diagnostics, used } = await read(state);
    return { response: { new_state: encodeObject(newState), private: req.private, diagnostics }, env: envNameOf(state), used };
  }),
  PlanResourceChange: unary('PlanResourceChange', async (req) => {
    if (req.type_name !== RESOURCE_TYPE) return { response: { diagnostics: unknownType(req.type_name) } };
    const config = decodeObject(req.config);
    const prior = decodeObject(req.prior_state);
    const { planned, diagnostics, used } = await plan({ prior, proposed: decodeObject(req.proposed_new_state), config });
    // On an error Terraform ignores the planned state, but it must still decode.
    return { response: { planned_state: encodeObject(planned), diagnostics }, env: envNameOf(config ?? prior), used };
  }),
  ApplyResourceChange: unary('ApplyResourceChange', async (req) => {
    if (req.type_name !== RESOURCE_TYPE) return { response: { diagnostics: unknownType(req.type_name) } };
    const config = decodeObject(req.config);
    const prior = decodeObject(req.prior_state);
    const { newState, diagnostics, used } = await apply({ prior, planned: decodeObject(req.planned_state), config });
    return { response: { new_state: encodeObject(newState), diagnostics }, env: envNameOf(config ?? prior), used };
  }),
};
