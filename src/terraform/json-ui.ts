import { isObject, num as finite, str, type JsonObject, type Diagnostic, type TerraformRun } from '../core/index.js';

/** `change_summary` counts, as Terraform prints them. */
export interface ChangeSummary {
  add: number;
  change: number;
  remove: number;
  import: number;
  operation: string;
}

// Terraform's machine-readable UI (`-json`): one JSON object per stdout line. This module
// is pure: it narrows a line to the fields the action reads and folds the events into a
// TerraformRun as they arrive, so a large plan is never held as a whole stream.

interface EventBase {
  /** `@level`: info, warn, error, ... */
  level: string;
  /** `@message`: Terraform's own one-line human rendering of the event. */
  message: string;
}

/** Hooks about one resource instance during refresh and apply. */
export type HookEventType =
  | 'apply_start'
  | 'apply_progress'
  | 'apply_complete'
  | 'apply_errored'
  | 'refresh_start'
  | 'refresh_complete'
  | 'provision_start'
  | 'provision_progress'
  | 'provision_complete'
  | 'provision_errored'
  | 'ephemeral_op_start'
  | 'ephemeral_op_complete'
  | 'ephemeral_op_errored';

const HOOK_TYPES = new Set<string>([
  'apply_start',
  'apply_progress',
  'apply_complete',
  'apply_errored',
  'refresh_start',
  'refresh_complete',
  'provision_start',
  'provision_progress',
  'provision_complete',
  'provision_errored',
  'ephemeral_op_start',
  'ephemeral_op_complete',
  'ephemeral_op_errored',
]);

export type JsonUiEvent =
  | (EventBase & { type: 'version'; terraform: string; ui: string })
  | (EventBase & { type: 'planned_change' | 'resource_drift'; address: string; action: string })
  | (EventBase & { type: 'change_summary'; changes: ChangeSummary })
  | (EventBase & { type: 'diagnostic'; diagnostic: Diagnostic })
  | (EventBase & { type: HookEventType; address: string; action: string })
  /** Output names only: values stay out of the action, they may be sensitive. */
  | (EventBase & { type: 'outputs'; names: string[] })
  | (EventBase & { type: 'log' })
  /** `terraform init -json` progress (Terraform >= 1.9). */
  | (EventBase & { type: 'init_output'; messageCode: string })
  /** Valid JSON with a type this version of the action does not know. */
  | (EventBase & { type: 'unknown'; rawType: string })
  /** Not a JSON object: a plain text line (CLI config warnings, crash output, old Terraform). */
  | { type: 'raw'; text: string };

type Json = JsonObject;

const num = (value: unknown): number => finite(value) ?? 0;

/** Parses one stdout line. Never throws: anything that is not a JSON object comes back raw. */
export function parseJsonUiLine(line: string): JsonUiEvent {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (!text.trimStart().startsWith('{')) return { type: 'raw', text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { type: 'raw', text };
  }
  if (!isObject(parsed)) return { type: 'raw', text };

  const base: EventBase = { level: str(parsed['@level']), message: str(parsed['@message']) };
  const type = str(parsed['type']);
  switch (type) {
    case 'version':
      return { ...base, type, terraform: str(parsed['terraform']), ui: str(parsed['ui']) };
    case 'planned_change':
    case 'resource_drift': {
      const change = isObject(parsed['change']) ? parsed['change'] : {};
      return { ...base, type, address: resourceAddress(change), action: str(change['action']) };
    }
    case 'change_summary':
      return { ...base, type, changes: changeSummary(parsed['changes']) };
    case 'diagnostic':
      return { ...base, type, diagnostic: diagnostic(parsed['diagnostic']) };
    case 'outputs':
      return { ...base, type, names: isObject(parsed['outputs']) ? Object.keys(parsed['outputs']) : [] };
    case 'log':
      return { ...base, type };
    case 'init_output':
      return { ...base, type, messageCode: str(parsed['message_code']) };
    default:
      if (HOOK_TYPES.has(type)) {
        const hook = isObject(parsed['hook']) ? parsed['hook'] : {};
        return { ...base, type: type as HookEventType, address: resourceAddress(hook), action: str(hook['action']) };
      }
      return { ...base, type: 'unknown', rawType: type };
  }
}

function resourceAddress(holder: Json): string {
  const resource = holder['resource'];
  return isObject(resource) ? str(resource['addr']) : '';
}

function changeSummary(value: unknown): ChangeSummary {
  const c = isObject(value) ? value : {};
  return {
    add: num(c['add']),
    change: num(c['change']),
    remove: num(c['remove']),
    import: num(c['import']),
    operation: str(c['operation']),
  };
}

function diagnostic(value: unknown): Diagnostic {
  const d = isObject(value) ? value : {};
  const out: Diagnostic = {
    severity: d['severity'] === 'error' ? 'error' : 'warning',
    summary: str(d['summary']),
    detail: str(d['detail']),
  };
  const address = str(d['address']);
  if (address) out.address = address;
  return out;
}

/**
 * Folds events into a TerraformRun. Keeps only what the run reports (diagnostics, planned
 * changes, whether Terraform announced itself), so memory grows with the SQL, not with the stream.
 */
export class TerraformRunAccumulator {
  readonly #command: string;
  readonly #diagnostics: Diagnostic[] = [];
  /** Diagnostics bucketed by everything but the detail, so the dedup key never copies a large detail. */
  readonly #seen = new Map<string, Diagnostic[]>();
  readonly #plannedChanges: { address: string; action: string }[] = [];
  #sawVersion = false;

  constructor(command: string) {
    this.#command = command;
  }

  /** Parses and folds one stdout line; returns the event and whether it added anything new. */
  addLine(line: string): { event: JsonUiEvent; fresh: boolean } {
    const event = parseJsonUiLine(line);
    return { event, fresh: this.add(event) };
  }

  /** Folds one event. False for a diagnostic already seen (Terraform validates twice, so repeats are normal). */
  add(event: JsonUiEvent): boolean {
    switch (event.type) {
      case 'version':
        this.#sawVersion = true;
        return true;
      case 'diagnostic':
        return this.#addDiagnostic(event.diagnostic);
      case 'planned_change':
        this.#plannedChanges.push({ address: event.address, action: event.action });
        return true;
      default:
        return true;
    }
  }

  #addDiagnostic(d: Diagnostic): boolean {
    const key = [d.severity, d.summary, d.address ?? '', d.detail.length].join('\u0000');
    const bucket = this.#seen.get(key);
    if (bucket?.some((other) => other.detail === d.detail)) return false;
    if (bucket) bucket.push(d);
    else this.#seen.set(key, [d]);
    this.#diagnostics.push(d);
    return true;
  }

  /** The run so far; call once the process has exited. */
  finish(exitCode: number, stderrTail: string): TerraformRun {
    return {
      command: this.#command,
      exitCode,
      sawVersion: this.#sawVersion,
      diagnostics: [...this.#diagnostics],
      plannedChanges: [...this.#plannedChanges],
      stderrTail,
    };
  }
}

/** Meaning of `terraform plan -detailed-exitcode`. */
export function planExitMeaning(exitCode: number): 'no-changes' | 'changes' | 'error' {
  if (exitCode === 0) return 'no-changes';
  if (exitCode === 2) return 'changes';
  return 'error';
}
