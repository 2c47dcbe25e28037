import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJsonUiLine, planExitMeaning, TerraformRunAccumulator } from '../../src/terraform/json-ui.js';
import type { TerraformRun } from '../../src/core/types.js';

// Streams recorded from terraform 1.11.4 (reference/terraform-json-ui.md) plus hand-built
// ones in the same shape, under test/fixtures/streams/.

function fixture(name: string): string[] {
  const text = readFileSync(new URL(`../fixtures/streams/${name}`, import.meta.url), 'utf8');
  return text.split('\n');
}

function fold(lines: string[], exitCode = 0): TerraformRun {
  const acc = new TerraformRunAccumulator('terraform plan');
  for (const line of lines) acc.addLine(line);
  return acc.finish(exitCode, '');
}

describe('parseJsonUiLine', () => {
  it('narrows each event type of a recorded plan', () => {
    const events = fixture('roles-plan.jsonl').filter(Boolean).map(parseJsonUiLine);
    expect(events.map((e) => e.type)).toEqual(['version', 'planned_change', 'change_summary', 'diagnostic', 'diagnostic', 'diagnostic']);
    expect(events[0]).toMatchObject({ type: 'version', terraform: '1.11.4', ui: '1.2', message: 'Terraform 1.11.4' });
    expect(events[1]).toMatchObject({ address: 'atlas_schema.roles', action: 'create', level: 'info' });
    expect(events[2]).toMatchObject({
      changes: { add: 1, change: 0, remove: 0, import: 0, operation: 'plan' },
      message: 'Plan: 1 to add, 0 to change, 0 to destroy.',
    });
    expect(events[5]).toMatchObject({
      type: 'diagnostic',
      level: 'warn',
      diagnostic: { severity: 'warning', summary: 'Atlas Plan', address: 'atlas_schema.roles' },
    });
  });

  it('reads apply hooks, outputs without values, and refresh hooks', () => {
    const apply = fixture('roles-apply.jsonl').filter(Boolean).map(parseJsonUiLine);
    expect(apply.find((e) => e.type === 'apply_start')).toMatchObject({
      address: 'atlas_schema.roles',
      action: 'create',
      message: 'atlas_schema.roles: Creating...',
    });
    expect(apply.find((e) => e.type === 'apply_complete')).toMatchObject({ address: 'atlas_schema.roles' });
    expect(apply.find((e) => e.type === 'outputs')).toMatchObject({ names: [] });

    const outputs = parseJsonUiLine(
      '{"@level":"info","@message":"Outputs: 1","outputs":{"password":{"sensitive":true,"value":"hunter22"}},"type":"outputs"}',
    );
    expect(outputs).toEqual({ type: 'outputs', level: 'info', message: 'Outputs: 1', names: ['password'] });
    expect(JSON.stringify(outputs)).not.toContain('hunter22');

    const verify = fixture('roles-verify.jsonl').filter(Boolean).map(parseJsonUiLine);
    expect(verify.map((e) => e.type)).toContain('refresh_start');
    expect(verify.find((e) => e.type === 'refresh_complete')).toMatchObject({ address: 'atlas_schema.roles' });
  });

  it("reads init's messages and log lines", () => {
    const init = parseJsonUiLine(
      '{"@level":"info","@message":"Initializing the backend...","@module":"terraform.ui","message_code":"initializing_backend_message","type":"init_output"}',
    );
    expect(init).toEqual({
      type: 'init_output',
      level: 'info',
      message: 'Initializing the backend...',
      messageCode: 'initializing_backend_message',
    });
    const logLine = parseJsonUiLine('{"@level":"info","@message":"terraform.io/builtin/terraform is built in to Terraform","type":"log"}');
    expect(logLine).toEqual({ type: 'log', level: 'info', message: 'terraform.io/builtin/terraform is built in to Terraform' });
  });

  it('returns noise as raw text and tolerates unknown types, never throwing', () => {
    const events = fixture('noise.jsonl').map(parseJsonUiLine);
    expect(events[0]).toEqual({ type: 'raw', text: '' });
    expect(events[1]).toEqual({ type: 'raw', text: 'There are some problems with the CLI configuration:' });
    expect(events[3]).toEqual({ type: 'raw', text: '{"truncated": ' });
    expect(events[4]).toEqual({ type: 'raw', text: '[1,2,3]' });
    expect(events[5]).toEqual({ type: 'raw', text: 'null' });
    expect(events[6]).toEqual({ type: 'unknown', rawType: 'test_abstract', level: 'info', message: 'Some future event' });
    expect(events[7]).toMatchObject({ type: 'unknown', rawType: '' });
    // CRLF line endings (Windows runners) still parse.
    expect(events[8]).toMatchObject({ type: 'planned_change', address: 'atlas_schema.roles', action: 'update' });
    expect(events[9]).toMatchObject({ type: 'raw', text: expect.stringContaining('panic:') as unknown });
  });

  it('fills missing fields with empty values instead of failing', () => {
    expect(parseJsonUiLine('{"type":"diagnostic"}')).toEqual({
      type: 'diagnostic',
      level: '',
      message: '',
      diagnostic: { severity: 'warning', summary: '', detail: '' },
    });
    expect(parseJsonUiLine('{"type":"change_summary","changes":{"add":"x"}}')).toMatchObject({
      changes: { add: 0, change: 0, remove: 0, import: 0, operation: '' },
    });
    expect(parseJsonUiLine('{"type":"planned_change","change":null}')).toMatchObject({ address: '', action: '' });
  });
});

describe('TerraformRunAccumulator', () => {
  it('folds a recorded plan: the version event, planned changes, diagnostics without the repeated dev_url warning', () => {
    const run = fold(fixture('roles-plan.jsonl'), 2);
    expect(run.exitCode).toBe(2);
    expect(run.command).toBe('terraform plan');
    expect(run.sawVersion).toBe(true);
    expect(run.plannedChanges).toEqual([{ address: 'atlas_schema.roles', action: 'create' }]);
    expect(run.diagnostics.map((d) => d.summary)).toEqual(['dev_url is unset', 'Atlas Plan']);
  });

  it('keeps diagnostics that differ only in address, in first-seen order', () => {
    const run = fold(fixture('multi-resource-plan.jsonl'), 2);
    expect(run.diagnostics.map((d) => `${d.summary} @ ${d.address}`)).toEqual([
      'dev_url is unset @ atlas_schema.roles',
      'dev_url is unset @ atlas_schema.app',
      'Atlas Plan @ atlas_schema.roles',
      'Atlas Plan @ atlas_schema.app',
    ]);
    expect(run.plannedChanges).toHaveLength(2);
  });

  it('keeps diagnostics that differ only in detail', () => {
    const acc = new TerraformRunAccumulator('terraform plan');
    const line = (detail: string): string =>
      JSON.stringify({ type: 'diagnostic', diagnostic: { severity: 'error', summary: 'Boom', detail } });
    expect(acc.addLine(line('abc')).fresh).toBe(true);
    expect(acc.addLine(line('abd')).fresh).toBe(true);
    expect(acc.addLine(line('abc')).fresh).toBe(false);
    expect(acc.finish(1, 'tail').diagnostics.map((d) => d.detail)).toEqual(['abc', 'abd']);
  });

  it('says when the version event never came, and reports the stderr tail it is given', () => {
    expect(fold(fixture('roles-apply.jsonl')).sawVersion).toBe(true);
    const acc = new TerraformRunAccumulator('terraform init');
    expect(acc.finish(1, 'Error: something')).toEqual({
      command: 'terraform init',
      exitCode: 1,
      sawVersion: false,
      diagnostics: [],
      plannedChanges: [],
      stderrTail: 'Error: something',
    });
  });

  it('ignores noise lines without losing the events around them', () => {
    const run = fold(fixture('noise.jsonl'), 2);
    expect(run.plannedChanges).toEqual([{ address: 'atlas_schema.roles', action: 'update' }]);
    expect(run.diagnostics).toHaveLength(1);
  });
});

describe('planExitMeaning', () => {
  it('maps -detailed-exitcode', () => {
    expect(planExitMeaning(0)).toBe('no-changes');
    expect(planExitMeaning(2)).toBe('changes');
    expect(planExitMeaning(1)).toBe('error');
    expect(planExitMeaning(127)).toBe('error');
  });
});
