import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { DataTable } from '../../components/data-table';
import { ErrorAlert, Field } from '../../components/form';
import { useTitle } from '../../components/title';
import { navigate, useLocation } from '../../router';
import { FunnelChart, STAGES } from './funnel-chart';
import { choiceFrom, customFrom, PERIODS, periodOf, queryOf, type PeriodChoice } from './period';

const POLL_MS = 5_000;

/** Events received, runs started and the outcome funnel per automation and template, over a chosen period. */
export function Overview() {
  useTitle('Overview');
  const { query } = useLocation();
  const choice = choiceFrom(query);
  const choose = (next: PeriodChoice) => navigate(`/overview?${queryOf(next)}`, { replace: true });
  // Checked once per render for the custom fields' messages; the queries below take "now" when they fetch.
  const checked = choice.id === 'custom' ? periodOf(choice, new Date()) : undefined;
  const invalid = checked && 'errors' in checked ? checked.errors : undefined;

  const stats = useQuery({
    queryKey: ['stats', choice],
    queryFn: async () => {
      const period = periodOf(choice, new Date());
      if ('errors' in period) return null;
      const [overview, funnel] = await Promise.all([api.GET('/api/stats/overview', { params: { query: period } }), api.GET('/api/stats/funnel', { params: { query: period } })]);
      return { ...unwrap(overview), rows: unwrap(funnel).rows };
    },
    // The rolling periods end now: refreshed, they keep up with new runs.
    refetchInterval: choice.id === 'custom' ? false : POLL_MS,
    placeholderData: keepPreviousData,
  });
  const label = PERIODS.find((p) => p.id === choice.id)!.label;

  return (
    <>
      <h1>Overview</h1>
      <form className="period" aria-label="Period" onSubmit={(e) => e.preventDefault()}>
        <fieldset>
          <legend>Period</legend>
          <div className="period-options">
            {PERIODS.map((p) => (
              <label key={p.id}>
                <input type="radio" name="period" value={p.id} checked={choice.id === p.id} onChange={() => choose(p.id === 'custom' ? customFrom(choice, new Date()) : { ...choice, id: p.id })} /> {p.label}
              </label>
            ))}
          </div>
          {choice.id === 'custom' && (
            <div className="period-days">
              <Field label="First day" error={invalid?.from}>
                {(props) => <input {...props} type="date" value={choice.from} onChange={(e) => choose({ ...choice, from: e.target.value })} />}
              </Field>
              <Field label="Last day" error={invalid?.to}>
                {(props) => <input {...props} type="date" value={choice.to} onChange={(e) => choose({ ...choice, to: e.target.value })} />}
              </Field>
            </div>
          )}
        </fieldset>
      </form>
      {stats.error && <ErrorAlert>{stats.error.message}</ErrorAlert>}
      {stats.data && (
        <>
          <dl className="tiles" aria-label={`Totals, ${label.toLowerCase()}`}>
            <div>
              <dt>Events received</dt>
              <dd>{stats.data.eventsReceived}</dd>
            </div>
            <div>
              <dt>Runs started</dt>
              <dd>{stats.data.runsStarted}</dd>
            </div>
          </dl>
          <h2>Outcome funnel</h2>
          {stats.data.rows.length === 0 ? (
            <p>No messages in this period.</p>
          ) : (
            <>
              <div className="funnels">
                {stats.data.rows.map((r) => (
                  <FunnelChart key={`${r.mapping}/${r.template}/${r.channel}`} title={`${r.automation} · mapping ${r.mapping} · ${r.channel} template ${r.template}`} counts={r} />
                ))}
              </div>
              <DataTable caption="Messages created in the period, per automation and template" columns={['Automation', 'Mapping', 'Template', 'Channel', ...STAGES.map((s) => s.label)]} label="Funnel table">
                {stats.data.rows.map((r) => (
                  <tr key={`${r.mapping}/${r.template}/${r.channel}`}>
                    <th scope="row">{r.automation}</th>
                    <td>{r.mapping}</td>
                    <td>{r.template}</td>
                    <td>{r.channel}</td>
                    {STAGES.map((s) => (
                      <td key={s.key}>{r[s.key]}</td>
                    ))}
                  </tr>
                ))}
              </DataTable>
            </>
          )}
        </>
      )}
    </>
  );
}
