import express from 'express';
import { z } from 'zod';
import { applySendGridEvents, applyTwilioCallback, applyTwilioInbound, EVENT_RESULTS, type WebhookDeps } from '../webhooks/apply';
import { SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, sendgridEvent, sendgridPublicKey, verifySendGridSignature } from '../webhooks/sendgrid';
import { TWILIO_SIGNATURE_HEADER, twilioStatusCallback, verifyTwilioSignature } from '../webhooks/twilio';
import { EMPTY_TWIML, twilioInboundMessage } from '../webhooks/twilio-inbound';
import { pgText } from '../db/pg-bounds';
import { parseJson, readBody } from './body';
import { errorResponses, type RouteRegistry } from './routes';
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

const twilioCallbackQuery = z.object({ message: pgText().min(1).optional().describe("the Homing message id, as Homing put it in the SMS's or WhatsApp message's callback URL") });

/**
 * Delivery and engagement reports from providers: `POST /webhooks/twilio`
 * (status callbacks of SMS and WhatsApp messages), `POST /webhooks/twilio/inbound`
 * (replies to Homing's number: STOP and START) and `POST /webhooks/sendgrid` (Event Webhook). The raw
 * body is read here, as the signatures cover its exact bytes.
 */
export function webhooksRouter(deps: WebhookDeps & { settings: WebhookSettings; routes: RouteRegistry }): express.Router {
  const { settings } = deps;
  documentWebhooks(deps.routes);
  const router = express.Router();
  // Config validation has vetted the key; parsed once here.
  const sendgridKey = settings.sendgridWebhookPublicKey ? sendgridPublicKey(settings.sendgridWebhookPublicKey) : undefined;

  /** The form Twilio posted, once its signature (over the URL Twilio called and the form) is verified. */
  async function twilioForm(req: express.Request): Promise<Record<string, string>> {
    if (!settings.twilioAuthToken) throw new HttpError(401, 'Twilio webhooks are refused: TWILIO_AUTH_TOKEN is not set, so their signature cannot be checked');
    const params = [...new URLSearchParams((await readBody(req, TWILIO_BODY_LIMIT)).toString('utf8'))];
    if (!verifyTwilioSignature(settings.twilioAuthToken, settings.publicUrl + req.originalUrl, params, req.get(TWILIO_SIGNATURE_HEADER))) {
      throw new HttpError(401, 'missing or invalid X-Twilio-Signature');
    }
    return Object.fromEntries(params);
  }

  router.post('/webhooks/twilio', async (req, res) => {
    const form = await twilioForm(req);
    const { message } = twilioCallbackQuery.parse(req.query);
    const result = await applyTwilioCallback(deps, twilioStatusCallback.parse(form), message);
    res.json({ ok: true, result });
  });

  router.post('/webhooks/twilio/inbound', async (req, res) => {
    await applyTwilioInbound(deps, twilioInboundMessage.parse(await twilioForm(req)));
    res.type('text/xml').send(EMPTY_TWIML);
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

const refusals = {
  400: 'malformed report, or a body over the limit',
  401: 'missing or invalid signature, or no key configured to check it',
  408: 'the body did not arrive in time',
  503: 'storage unavailable; the provider retries',
};

function documentWebhooks(routes: RouteRegistry): void {
  routes.document({
    method: 'post',
    path: '/webhooks/twilio',
    tag: 'webhooks',
    summary: 'Twilio Messaging status callback for SMS and WhatsApp (form-encoded, as Twilio posts it); WhatsApp `read` is an open',
    security: ['twilioSignature'],
    query: twilioCallbackQuery,
    body: { contentType: 'application/x-www-form-urlencoded', schema: twilioStatusCallback.loose() },
    responses: {
      200: { description: 'handled (also for a message Homing does not know, so Twilio stops retrying)', content: { 'application/json': z.object({ ok: z.literal(true), result: z.enum(EVENT_RESULTS) }) } },
      ...errorResponses(refusals),
    },
  });
  routes.document({
    method: 'post',
    path: '/webhooks/twilio/inbound',
    tag: 'webhooks',
    summary:
      "Twilio incoming message webhook of Homing's SMS number (form-encoded): a reply that is exactly STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE or OPTOUT suppresses the number and unsubscribes its people from SMS marketing; START, UNSTOP or YES opts it back in (Advanced Opt-Out's OptOutType decides when present); anything else changes nothing",
    security: ['twilioSignature'],
    body: { contentType: 'application/x-www-form-urlencoded', schema: twilioInboundMessage.loose() },
    responses: {
      200: { description: 'handled; an empty TwiML response (Homing sends no reply)', content: { 'text/xml': 'text' } },
      ...errorResponses(refusals),
    },
  });
  routes.document({
    method: 'post',
    path: '/webhooks/sendgrid',
    tag: 'webhooks',
    summary:
      "SendGrid Signed Event Webhook: a JSON array of events, applied in order. A hard bounce or a drop for an address on a SendGrid suppression list suppresses the address; a spam report suppresses it and unsubscribes its people from email marketing; an unsubscribe or group unsubscribe unsubscribes the message's person",
    security: ['sendgridSignature'],
    body: { contentType: 'application/json', schema: z.array(sendgridEvent.loose()) },
    responses: {
      200: {
        description: 'each event recorded, a duplicate, for an unknown message, ignored, or invalid (skipped, with the reason)',
        content: {
          'application/json': z.object({
            ok: z.literal(true),
            results: z.array(z.object({ sgEventId: z.string().optional(), event: z.string().optional(), result: z.enum(EVENT_RESULTS), error: z.string().optional() })),
          }),
        },
      },
      ...errorResponses(refusals),
    },
  });
}
