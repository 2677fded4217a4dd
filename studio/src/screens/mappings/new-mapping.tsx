import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/form';
import { useTitle } from '../../components/title';
import { useLocation } from '../../router';
import { MappingForm } from './mapping-form';

/** A new mapping from a track event: /mappings/new?event=<name>, as "Map this event" opens it. */
export function NewMapping() {
  useTitle('New mapping');
  const { query } = useLocation();
  const automations = useQuery({ queryKey: ['automations'], queryFn: async () => unwrap(await api.GET('/api/automations')).automations });
  if (automations.error) return <ErrorAlert>{automations.error.message}</ErrorAlert>;
  if (!automations.data) return <p className="loading">Loading…</p>;
  return <MappingForm title="New mapping" automations={automations.data} eventName={query.get('event') ?? ''} save={async (body) => unwrap(await api.POST('/api/mappings', { body }))} />;
}
