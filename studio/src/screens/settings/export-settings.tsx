import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { paths } from '../../../generated/api';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/form';

type Outcome = paths['/api/settings/export']['get']['responses'][200]['content']['application/json']['statuses'][number];

/** Every outcome the setting can name, with what it tells Segment; the type check keeps it complete against the API's enum. */
const OUTCOMES: Record<Outcome, string> = {
  SENT: 'Message Sent',
  DELIVERED: 'Message Delivered',
  OPENED: 'Message Opened (also opened: false when ignored)',
  CLICKED: 'Message Clicked',
  UNDELIVERABLE: 'Message Undeliverable',
  SUBSCRIPTION_CHANGED: 'Subscription Changed: a person’s subscription change',
};

/** Which outcomes go to Segment: a checkbox each, saved together. */
export function ExportSettings() {
  const queries = useQueryClient();
  const current = useQuery({ queryKey: ['settings', 'export'], queryFn: async () => unwrap(await api.GET('/api/settings/export')).statuses });
  const [chosen, setChosen] = useState<ReadonlySet<Outcome>>();
  useEffect(() => {
    if (current.data && !chosen) setChosen(new Set(current.data));
  }, [current.data, chosen]);

  const save = useMutation({
    mutationFn: async (statuses: Outcome[]) => unwrap(await api.PUT('/api/settings/export', { body: { statuses } })).statuses,
    onSuccess: (statuses) => queries.setQueryData(['settings', 'export'], statuses),
  });
  const toggle = (o: Outcome, on: boolean) => {
    save.reset();
    setChosen((was) => {
      const next = new Set(was);
      if (on) next.add(o);
      else next.delete(o);
      return next;
    });
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (chosen) save.mutate((Object.keys(OUTCOMES) as Outcome[]).filter((o) => chosen.has(o)));
  };

  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">Outcomes exported to Segment</h2>
      {current.error && <ErrorAlert>{current.error.message}</ErrorAlert>}
      {chosen && (
        <form onSubmit={submit} aria-labelledby="export-title">
          <fieldset>
            <legend>Send these outcomes to Segment</legend>
            <p className="hint">Outcomes not chosen are still recorded, as skipped, and never sent.</p>
            {(Object.entries(OUTCOMES) as Array<[Outcome, string]>).map(([o, meaning]) => (
              <label key={o} className="check">
                <input type="checkbox" checked={chosen.has(o)} onChange={(e) => toggle(o, e.target.checked)} /> <code>{o}</code> <span className="hint">{meaning}</span>
              </label>
            ))}
          </fieldset>
          {save.error && <ErrorAlert>Not saved: {save.error.message}</ErrorAlert>}
          <div className="buttons">
            <button type="submit" disabled={save.isPending}>
              Save
            </button>
            {save.isSuccess && <p role="status">Saved: {save.data.length ? save.data.join(', ') : 'no outcome'} exported.</p>}
          </div>
        </form>
      )}
    </section>
  );
}
