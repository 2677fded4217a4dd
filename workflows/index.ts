// The workflow bundle's entry: every workflow the worker runs is exported here.
export { profileShard } from './profile-shard';
export { emailThenSms } from './email-then-sms';
export { singleSend } from './single-send';
export { outcomeExport } from './outcome-export';
