// aws/: the one way to AWS. OIDC token → STS → credentials for Terraform's children only (and
// the temporary profile files atlas.hcl may ask for), the RDS IAM token and its preflight, and
// the remedies (hints) for AWS, RDS and Atlas failures that the preflight and the roots share.
// May import core/ and inputs/.

/** An AWS session: child environment, credentials, refresh and clean-up. */
export type { AwsSession } from './credentials.js';
/** Assumes the role with the GitHub OIDC token (or takes the ambient credentials) and writes the profile files. */
export { openAwsSession } from './credentials.js';
/** The 12-digit account of an IAM role ARN; undefined when there is none. */
export { roleAccount } from './sts-errors.js';
/** Logs in to the database with an RDS IAM token the way Atlas will, and names the cause when it fails. */
export { preflightIamAuth } from './preflight.js';
/** The pg connection of an IAM login (token as password, TLS): the preflight's and the access facts' one builder. */
export { rdsIamClientConfig, type IamLogin } from './preflight.js';
/** What the hints need to know: the aws-profile and db-user inputs, the region, the account. */
export type { HintContext } from './hints.js';
/** Remedies, as safe Markdown, for what a failed Terraform or Atlas run printed; [] when none is recognised. */
export { hintsFor } from './hints.js';
