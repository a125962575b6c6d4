import { FloodgateError } from '../errors/index.js';

/** A checks or contracts file, or a check list given in code, is not valid. Each issue names the check and field. */
export class ChecksInvalidError extends FloodgateError {
  readonly issues: readonly string[];
  constructor(source: string, issues: readonly string[]) {
    const shown = issues.slice(0, 10).join('; ');
    const more = issues.length > 10 ? `; and ${issues.length - 10} more` : '';
    super('CHECKS_INVALID', `invalid ${source}: ${shown}${more}`, { details: { source, issues } });
    this.issues = issues;
  }
}

/** An audit ran and at least one `error`-severity check did not pass. */
export class AuditFailedError extends FloodgateError {
  constructor(table: string, ref: string, failed: readonly string[], total: number) {
    const names = failed.length > 5 ? `${failed.slice(0, 5).join(', ')}, ...` : failed.join(', ');
    super('AUDIT_FAILED', `audit of ${table} at ${ref} failed: ${failed.length} of ${total} checks did not pass (${names})`, {
      details: { table, ref, failed },
    });
  }
}
