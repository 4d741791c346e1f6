import type { ReactNode } from 'react';
import { TextArea } from './fields.js';

/**
 * The reason every change to saved clinical data needs (21 CFR Part 11): kept in the audit trail with
 * the old and new values; the change also clears the form's verification and the casebook's signature.
 */
export function ReasonForChange({
  value,
  onChange,
  error,
}: {
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly error: string | undefined;
}): ReactNode {
  return (
    <TextArea
      label="Reason for change"
      required
      value={value}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={error}
      hint="Kept in the audit trail with the old and new values. The change clears the form's verification and the investigator's signature."
    />
  );
}
