import { useCallback, useId, useState, type ReactNode } from 'react';
import { SIGNATURE_MEANINGS, type SignatureMeaning } from '../../../../core/capture/vocabulary.js';
import { capture } from '../../../api/capture.js';
import { TextField } from '../../../components/fields.js';
import { useSubmit } from '../../../components/use-submit.js';
import { Editor } from './editor.js';

const MEANINGS = Object.entries(SIGNATURE_MEANINGS) as [SignatureMeaning, string][];

/**
 * The investigator's electronic signature (21 CFR 11): the password typed again and the meaning
 * chosen, both kept with the signature. A wrong password signs nothing.
 */
export function SignatureForm({
  subjectId,
  onSigned,
  onCancel,
}: {
  readonly subjectId: string;
  readonly onSigned: () => Promise<void>;
  readonly onCancel: () => void;
}): ReactNode {
  const name = useId();
  const [meaning, setMeaning] = useState<SignatureMeaning>('approval');
  const [password, setPassword] = useState('');
  const sign = useSubmit(
    useCallback(async () => {
      try {
        await capture.sign(subjectId, { meaning, password });
      } finally {
        // The password is never kept after an attempt, right or wrong.
        setPassword('');
      }
      await onSigned();
    }, [subjectId, meaning, password, onSigned]),
  );
  const errors = sign.fieldErrors;
  // A wrong password comes back as a refusal of the whole request: it belongs under the password too.
  const passwordError =
    errors.password ?? (sign.error?.code === 'unauthenticated' ? sign.error.message : undefined);
  return (
    <Editor
      title="Sign the casebook"
      error={sign.error}
      busy={sign.busy}
      saveLabel="Sign the casebook"
      onSubmit={() => void sign.submit()}
      onCancel={onCancel}
    >
      <fieldset aria-describedby={errors.meaning ? `${name}-error` : undefined}>
        <legend>Meaning of the signature</legend>
        {MEANINGS.map(([value, statement]) => (
          <div className="field field-check" key={value}>
            <input
              id={`${name}-${value}`}
              type="radio"
              name={name}
              value={value}
              checked={meaning === value}
              onChange={() => setMeaning(value)}
            />
            <label htmlFor={`${name}-${value}`}>
              <strong>{value === 'approval' ? 'Approval' : 'Review'}:</strong> {statement}
            </label>
          </div>
        ))}
        {errors.meaning ? (
          <p className="field-error" id={`${name}-error`}>
            {errors.meaning}
          </p>
        ) : null}
      </fieldset>
      <TextField
        label="Your password"
        type="password"
        autoComplete="current-password"
        required
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        error={passwordError}
        hint="Typed again to sign: the signature is yours alone."
      />
    </Editor>
  );
}
