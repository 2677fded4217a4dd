import express from 'express';
import { z } from 'zod';
import { applySendGridEvents, applyTwilioCallback, type WebhookDeps } from '../webhooks/apply';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, sendgridPublicKey, verifySendGridSignature } from '../webhooks/sendgrid';
import { TWILIO_SIGNATURE_HEADER, twilioStatusCallback, verifyTwilioSignature } from '../webhooks/twilio';
import { parseJson, readBody } from './body';
import { HttpError } from './errors';

/** What the provider webhooks are verified with. */
export interface WebhookSettings {
  /** Twilio signs the URL it called, which is the one Homing gave it: PUBLIC_URL + path. */
  publicUrl: string;
  twilioAuthToken?: string;
  /** Base64 DER public key of SendGrid's Signed Event Webhook. */
  sendgridWebhookPublicKey?: string;
}

const TWILIO_BODY_LIMIT = 64 * 1024;
// SendGrid batches many events into one post.
const SENDGRID_BODY_LIMIT = 5 * 1024 * 1024;

/**
 * Delivery and engagement reports from providers: `POST /webhooks/twilio`
 * (status callbacks) and `POST /webhooks/sendgrid` (Event Webhook). The raw
 * body is read here, as the signatures cover its exact bytes.
 */
export function webhooksRouter(deps: WebhookDeps & { settings: WebhookSettings }): express.Router {
  const { settings } = deps;
  const router = express.Router();
  // Config validation has vetted the key; parsed once here.
  const sendgridKey = settings.sendgridWebhookPublicKey ? sendgridPublicKey(settings.sendgridWebhookPublicKey) : undefined;

  router.post('/webhooks/twilio', async (req, res) => {
    if (!settings.twilioAuthToken) throw new HttpError(401, 'Twilio webhooks are refused: TWILIO_AUTH_TOKEN is not set, so their signature cannot be checked');
    const params = [...new URLSearchParams((await readBody(req, TWILIO_BODY_LIMIT)).toString('utf8'))];
    if (!verifyTwilioSignature(settings.twilioAuthToken, settings.publicUrl + req.originalUrl, params, req.get(TWILIO_SIGNATURE_HEADER))) {
      throw new HttpError(401, 'missing or invalid X-Twilio-Signature');
    }
    const message = typeof req.query.message === 'string' ? req.query.message : undefined;
    const result = await applyTwilioCallback(deps, twilioStatusCallback.parse(Object.fromEntries(params)), message);
    res.json({ ok: true, result });
  });

  router.post('/webhooks/sendgrid', async (req, res) => {
    if (!sendgridKey) throw new HttpError(401, 'SendGrid webhooks are refused: SENDGRID_WEBHOOK_PUBLIC_KEY is not set, so their signature cannot be checked');
    const raw = await readBody(req, SENDGRID_BODY_LIMIT);
    // The timestamp may be old: a replayed post only repeats events recorded once anyway, and SendGrid retries for a day.
    if (!verifySendGridSignature(sendgridKey, req.get(SENDGRID_TIMESTAMP_HEADER), raw, req.get(SENDGRID_SIGNATURE_HEADER))) {
      throw new HttpError(401, 'missing or invalid X-Twilio-Email-Event-Webhook-Signature');
    }
    const events = z.array(z.unknown(), { error: 'the Event Webhook posts a JSON array of events' }).parse(parseJson(raw));
    res.json({ ok: true, results: await applySendGridEvents(deps, events) });
  });

  return router;
}
