import type { ScenarioStatement } from './terraform.js';

// A roles change that fails on apply: a role the HCL names as `external` (managed elsewhere)
// that nobody created on this instance, so PostgreSQL refuses the GRANT after the CREATE ROLE.
// Used by the e2e files that need a roles apply to fail (failures, concurrency).

/** The HCL file the change adds (hcl/roles/reporting.pg.hcl). */
export const REPORTING_HCL = 'role "reporting" {\n  external = true\n}\n\nuser "report_reader" {\n  member_of = [role.reporting]\n}\n';

/** What the stand-in provider plans for it: the CREATE ROLE, then the GRANT that fails. */
export const REPORTING_SQL: ScenarioStatement[] = [
  {
    sql: 'CREATE ROLE "report_reader" WITH LOGIN;',
    when: ['user "report_reader"'],
    present: "SELECT 1 FROM pg_roles WHERE rolname = 'report_reader'",
  },
  { sql: 'GRANT "reporting" TO "report_reader";', when: ['member_of = [role.reporting]'] },
];
