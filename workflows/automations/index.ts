// The automations every Homing runs; HOMING_AUTOMATIONS adds the user's own.
export { emailThenSms } from './email-then-sms';
export { singleSend } from './single-send';
