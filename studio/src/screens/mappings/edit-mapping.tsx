import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { ErrorAlert } from '../../components/form';
import { useTitle } from '../../components/title';
import { MappingForm } from './mapping-form';

/** /mappings/:id/edit: the mapping form filled from the saved mapping; saving makes a new version. */
export function EditMapping({ id }: { id: string }) {
  useTitle('Edit mapping');
  const queries = useQueryClient();
  const mapping = useQuery({ queryKey: ['mappings', id], queryFn: async () => unwrap(await api.GET('/api/mappings/{id}', { params: { path: { id } } })) });
  const automations = useQuery({ queryKey: ['automations'], queryFn: async () => unwrap(await api.GET('/api/automations')).automations });
  const error = mapping.error ?? automations.error;
  if (error) return <ErrorAlert>{error.message}</ErrorAlert>;
  if (!mapping.data || !automations.data) return <p className="loading">Loading…</p>;
  return (
    <MappingForm
      title={`Edit mapping “${mapping.data.name}”`}
      automations={automations.data}
      existing={mapping.data}
      save={async (body) => {
        const saved = unwrap(await api.PUT('/api/mappings/{id}', { params: { path: { id } }, body }));
        await queries.invalidateQueries({ queryKey: ['mappings'] });
        return saved;
      }}
    />
  );
}
