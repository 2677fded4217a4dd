import { useRef } from 'react';
import { Field } from '../../components/form';
import type { EditorField } from './channel-fields';
import { describeProblem, type FieldProblem } from './template-errors';

/** The Liquid in a source: its outputs ({{ … }}) and tags ({% … %}), each once, in order. */
export function liquidParts(source: string): string[] {
  const parts = source.match(/\{\{-?[\s\S]*?-?\}\}|\{%-?[\s\S]*?-?%\}/g) ?? [];
  return [...new Set(parts.map((p) => p.replace(/\s+/g, ' ')))];
}

/** The offset in `source` of a 1-based line and column. */
function offsetOf(source: string, line: number, column: number): number {
  const lines = source.split('\n');
  const before = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  return Math.min(source.length, before + Math.max(0, column - 1));
}

/**
 * One content field's source: a text box whose Liquid is listed beneath it,
 * and the API's problem with it shown at the field (line and column, with a
 * button that puts the caret there).
 */
export function LiquidField({ field, value, problem, onChange }: { field: EditorField; value: string; problem?: FieldProblem; onChange(value: string): void }) {
  const box = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const parts = liquidParts(value);
  const goTo = () => {
    if (!box.current || problem?.line === undefined) return;
    const at = offsetOf(value, problem.line, problem.column ?? 1);
    box.current.focus();
    box.current.setSelectionRange(at, at);
  };
  return (
    <div className="liquid-field">
      <Field label={field.label} hint={field.hint} error={problem && describeProblem(problem)} required={!field.optional}>
        {(props) =>
          field.multiline ? (
            <textarea {...props} ref={box} className="source" spellCheck={false} rows={Math.min(16, Math.max(4, value.split('\n').length + 1))} value={value} onChange={(e) => onChange(e.target.value)} />
          ) : (
            <input {...props} ref={box} className="source" spellCheck={false} value={value} onChange={(e) => onChange(e.target.value)} />
          )
        }
      </Field>
      {problem?.line !== undefined && (
        <button type="button" className="secondary small" onClick={goTo}>
          Go to line {problem.line} of {field.label}
        </button>
      )}
      {parts.length > 0 && (
        <p className="liquid-parts">
          <span className="visually-hidden">Liquid in {field.label}: </span>
          {parts.map((p) => (
            <code key={p} className={p.startsWith('{%') ? 'liquid-tag' : 'liquid-output'}>
              {p}
            </code>
          ))}
        </p>
      )}
    </div>
  );
}
