import { useTitle } from '../../components/title';
import { DoctorChecks } from './doctor-checks';
import { ExportSettings } from './export-settings';

export function Settings() {
  useTitle('Settings');
  return (
    <>
      <h1>Settings</h1>
      <ExportSettings />
      <DoctorChecks />
    </>
  );
}
