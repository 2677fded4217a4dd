import { api } from '../../api/client';

/**
 * Where a sign-in lands: the Overview once Segment has sent anything; before
 * the first event, Connect Segment, where a new installation starts.
 */
export async function landingPath(): Promise<string> {
  const { data } = await api.GET('/api/segment/connection');
  return data?.eventCount === 0 ? '/connect' : '/overview';
}
