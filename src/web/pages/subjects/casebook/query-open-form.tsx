import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { fieldsOfForm } from '../../../../core/capture/vocabulary.js';
import { capture } from '../../../api/capture.js';
import type { Casebook } from '../../../api/casebook.js';
import type { StudyDetail } from '../../../api/types.js';
import { SelectField, TextArea } from '../../../components/fields.js';
import { useSubmit } from '../../../components/use-submit.js';
import { Editor } from './editor.js';
import { fieldLabel, formLabel } from './labels.js';

/** The monitor (or data manager) raises a query on one field of a form that holds data. */
export function QueryOpenForm({
  protocol,
  casebook,
  onOpened,
  onCancel,
}: {
  readonly protocol: StudyDetail['protocol'];
  readonly casebook: Casebook;
  readonly onOpened: () => Promise<void>;
  readonly onCancel: () => void;
}): ReactNode {
  const [form, setForm] = useState('');
  const [field, setField] = useState('');
  const [text, setText] = useState('');
  const aeTerms = useMemo(
    () => new Map(casebook.adverseEvents.map((ae) => [ae.number, ae.verbatimTerm])),
    [casebook.adverseEvents],
  );
  // Only forms with data recorded can carry a query: the casebook lists them.
  const forms = casebook.forms.map((f) => ({
    value: f.formKey,
    label: formLabel(protocol, f.formKey, aeTerms),
  }));
  const fields = (form ? (fieldsOfForm(protocol, form) ?? []) : []).map((f) => ({
    value: f,
    label: fieldLabel(f),
  }));
  const open = useSubmit(
    useCallback(async () => {
      await capture.openQuery(casebook.subject.id, { form, field, text });
      await onOpened();
    }, [casebook.subject.id, form, field, text, onOpened]),
  );
  const errors = open.fieldErrors;
  return (
    <Editor
      title="Raise a query"
      error={open.error}
      busy={open.busy}
      saveLabel="Raise query"
      onSubmit={() => void open.submit()}
      onCancel={onCancel}
    >
      <div className="form-grid">
        <SelectField
          label="Form"
          required
          options={forms}
          placeholder="Choose the form"
          value={form}
          onChange={(e) => {
            setForm(e.currentTarget.value);
            setField('');
          }}
          error={errors.form}
        />
        <SelectField
          label="Field"
          required
          options={fields}
          placeholder={form ? 'Choose the field' : 'Choose the form first'}
          value={field}
          onChange={(e) => setField(e.currentTarget.value)}
          error={errors.field}
        />
      </div>
      <TextArea
        label="Question to the site"
        required
        value={text}
        onChange={(e) => setText(e.currentTarget.value)}
        error={errors.text}
      />
    </Editor>
  );
}
