import { useId, type ReactNode } from 'react';
import { SelectField, TextField } from '../../../components/fields.js';
import type { ScreeningField } from './answers.js';

interface Props {
  readonly field: ScreeningField;
  readonly value: string;
  readonly error: string | undefined;
  readonly onChange: (value: string) => void;
}

const labelOf = (f: ScreeningField): string => (f.unit ? `${f.label} (${f.unit})` : f.label);

/** One screening question with the control its type calls for, generated from the protocol. */
export function AnswerField({ field, value, error, onChange }: Props): ReactNode {
  const hint = field.required ? undefined : 'Optional';
  switch (field.type) {
    case 'number':
      return (
        <TextField
          label={labelOf(field)}
          inputMode="decimal"
          autoComplete="off"
          required={field.required}
          value={value}
          error={error}
          hint={hint}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'date':
      return (
        <TextField
          label={labelOf(field)}
          type="date"
          required={field.required}
          value={value}
          error={error}
          hint={hint}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'text':
      return (
        <TextField
          label={labelOf(field)}
          value={value}
          error={error}
          hint={hint}
          maxLength={2000}
          required={field.required}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'choice':
      return (
        <SelectField
          label={labelOf(field)}
          value={value}
          error={error}
          hint={hint}
          placeholder="Not answered"
          required={field.required}
          options={(field.options ?? []).map((o) => ({ value: o.value, label: o.label }))}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'boolean':
      return <YesNo field={field} value={value} error={error} onChange={onChange} />;
  }
}

/**
 * Yes / No as radio buttons in a fieldset (the question is the legend). No default: "not answered"
 * stays distinct from "No", as the eligibility checklist needs.
 */
function YesNo({ field, value, error, onChange }: Props): ReactNode {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <fieldset
      className={`answer${error ? ' field-invalid' : ''}`}
      aria-describedby={error ? errorId : undefined}
    >
      <legend>{labelOf(field)}</legend>
      <div className="radio-row">
        {(
          [
            ['true', 'Yes'],
            ['false', 'No'],
          ] as const
        ).map(([v, label]) => (
          <label key={v}>
            <input
              type="radio"
              name={id}
              value={v}
              required={field.required}
              checked={value === v}
              onChange={() => onChange(v)}
            />
            {label}
          </label>
        ))}
      </div>
      {error ? (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
