import { provisionTemporalTools } from '../../cluster/temporal-tools';

/**
 * Provisions the real Temporal server and SQL tool before any test runs (a
 * cold `go install` takes minutes, longer than a hook should), and hands
 * their paths to the test file through the environment.
 */
export default async function globalSetup(): Promise<void> {
  try {
    const tools = await provisionTemporalTools((line) => console.log(line));
    process.env.HOMING_CLUSTER_TOOLS = JSON.stringify(tools);
  } catch (err) {
    // One clear line instead of a stack: what the check needs is all there is to say.
    console.error((err as Error).message);
    process.exit(1);
  }
}
