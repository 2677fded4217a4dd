import { useId, type ReactNode } from 'react';

/** A labelled control: the label names it for assistive technology and tests alike; hint and error are described-by. */
export function Field({ label, hint, error, required, children }: { label: string; hint?: string; error?: string; required?: boolean; children: (props: FieldProps) => ReactNode }) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  return (
    <div className="field">
      <span className="label-row">
        <label htmlFor={id}>{label}</label>
        {/* Outside the label: the control's name stays "Channel"; its required state is announced from the attribute. */}
        {required && <span aria-hidden="true"> *</span>}
      </span>
      {children({ id, 'aria-describedby': [hintId, errorId].filter(Boolean).join(' ') || undefined, 'aria-invalid': error ? true : undefined, required })}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
    </div>
  );
}

export interface FieldProps {
  id: string;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
  required?: boolean;
}

/** An error the user must see now: announced by screen readers as it appears. */
export function ErrorAlert({ children }: { children: ReactNode }) {
  return (
    <div className="error" role="alert">
      {children}
    </div>
  );
}
