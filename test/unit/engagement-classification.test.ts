import { classifyEngagement, DEFAULT_ENGAGEMENT_POLICY, type EngagementEvidence } from '../../src/messaging/engagement-classification';

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15';
const WINDOW = DEFAULT_ENGAGEMENT_POLICY.machineClickSeconds;

const click = (e: Partial<EngagementEvidence> = {}): EngagementEvidence => ({ kind: 'click', detectedBy: 'click', method: 'GET', userAgent: BROWSER, ip: '198.51.100.7', secondsSinceDelivery: 60, ...e });
const open = (e: Partial<EngagementEvidence> = {}): EngagementEvidence => ({ kind: 'open', detectedBy: 'pixel', method: 'GET', userAgent: BROWSER, ip: '198.51.100.7', secondsSinceDelivery: 60, ...e });
const classify = (e: EngagementEvidence) => classifyEngagement(e, WINDOW);

describe('the default policy', () => {
  it('clicks within 5 seconds of delivery are machine; a person needs longer to get to the link', () => {
    expect(WINDOW).toBe(5);
  });

  it('a browser click a minute after delivery, and a browser open, are human', () => {
    expect(classify(click())).toEqual({ engagement: 'human', rule: 'no-machine-signal' });
    expect(classify(open())).toEqual({ engagement: 'human', rule: 'no-machine-signal' });
  });
});

describe('clicks', () => {
  it('within the window after delivery (or sending) are machine, at and after it human', () => {
    expect(classify(click({ secondsSinceDelivery: 2 }))).toEqual({ engagement: 'machine', rule: 'click-within-window' });
    expect(classify(click({ secondsSinceDelivery: 4.99 }))).toEqual({ engagement: 'machine', rule: 'click-within-window' });
    expect(classify(click({ secondsSinceDelivery: 5 })).engagement).toBe('human');
    // Before the send was even recorded: as fast as a machine.
    expect(classify(click({ secondsSinceDelivery: -1 })).engagement).toBe('machine');
    // Unknown timing (a provider's click of a message whose send is not recorded): no timing rule.
    expect(classify(click({ secondsSinceDelivery: undefined })).engagement).toBe('human');
  });

  it('a window of 0 turns the timing rule off', () => {
    expect(classifyEngagement(click({ secondsSinceDelivery: 0.1 }), 0).engagement).toBe('human');
  });

  it('from known scanners and link-preview agents are machine, whenever they come', () => {
    const agents: Array<[string, string]> = [
      ['Mozilla/5.0 (compatible; Barracuda Sentinel)', 'Barracuda'],
      ['Mimecast-URL-Protect/1.0', 'Mimecast'],
      ['Mozilla/5.0 (compatible; Proofpoint URL Defense)', 'Proofpoint'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b', 'Microsoft link preview'],
      ['Microsoft Office Existence Discovery', 'Microsoft link preview'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) SkypeUriPreview Preview/0.5', 'Microsoft link preview'],
      ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36', 'headless browser'],
      ['Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)', 'link preview'],
      ['facebookexternalhit/1.1 Facebot Twitterbot/1.0', 'link preview'],
    ];
    for (const [userAgent, scanner] of agents) {
      expect({ userAgent, verdict: classify(click({ userAgent, secondsSinceDelivery: 3_600 })) }).toEqual({ userAgent, verdict: { engagement: 'machine', rule: 'scanner-agent', scanner } });
    }
  });

  it('without a user agent, or by HEAD, are machine', () => {
    expect(classify(click({ userAgent: '' }))).toEqual({ engagement: 'machine', rule: 'no-user-agent' });
    expect(classify(click({ method: 'HEAD' }))).toEqual({ engagement: 'machine', rule: 'head-request' });
  });

  it('a provider click that does not say its agent is not judged by it', () => {
    expect(classify(click({ detectedBy: 'sendgrid', method: undefined, userAgent: undefined, ip: undefined })).engagement).toBe('human');
  });

  it('the hidden honeypot link is only ever followed by machines', () => {
    expect(classify(click({ honeypot: true }))).toEqual({ engagement: 'machine', rule: 'honeypot-link' });
  });
});

describe('opens', () => {
  it("Apple Mail Privacy Protection's proxy (a bare Mozilla/5.0, or Apple's 17.0.0.0/8) is machine", () => {
    expect(classify(open({ userAgent: 'Mozilla/5.0' }))).toEqual({ engagement: 'machine', rule: 'apple-mail-privacy-protection' });
    expect(classify(open({ userAgent: 'Mozilla/5.0', ip: '104.28.50.1' })).engagement).toBe('machine');
    expect(classify(open({ ip: '17.58.100.3' }))).toEqual({ engagement: 'machine', rule: 'apple-mail-privacy-protection' });
    expect(classify(open({ ip: '::ffff:17.58.100.3' })).engagement).toBe('machine');
    // Near misses.
    expect(classify(open({ ip: '171.58.100.3' })).engagement).toBe('human');
    expect(classify(open({ userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148' })).engagement).toBe('human');
  });

  it("a provider's own verdict decides (SendGrid's sg_machine_open) over the Apple heuristic", () => {
    expect(classify(open({ detectedBy: 'sendgrid', providerMachine: true }))).toEqual({ engagement: 'machine', rule: 'provider-verdict' });
    expect(classify(open({ detectedBy: 'sendgrid', userAgent: 'Mozilla/5.0', providerMachine: false }))).toEqual({ engagement: 'human', rule: 'provider-verdict' });
    // But not over a scanner's own name.
    expect(classify(open({ detectedBy: 'sendgrid', userAgent: 'Mimecast-URL-Protect/1.0', providerMachine: false })).engagement).toBe('machine');
  });

  it('are not judged by time: a person may open at once', () => {
    expect(classify(open({ secondsSinceDelivery: 0.5 })).engagement).toBe('human');
  });

  it('Gmail and Yahoo fetch images when the person opens the mail: human', () => {
    expect(classify(open({ userAgent: 'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)' })).engagement).toBe('human');
    expect(classify(open({ userAgent: 'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html' })).engagement).toBe('human');
  });

  it('a read receipt (Twilio WhatsApp/RCS read) is human', () => {
    expect(classify({ kind: 'open', detectedBy: 'twilio' })).toEqual({ engagement: 'human', rule: 'no-machine-signal' });
  });

  it('a pixel fetched by HEAD, without an agent, or by a scanner is machine', () => {
    expect(classify(open({ method: 'HEAD' })).rule).toBe('head-request');
    expect(classify(open({ userAgent: '' })).rule).toBe('no-user-agent');
    expect(classify(open({ userAgent: 'Mozilla/5.0 (compatible; Barracuda Sentinel)' })).rule).toBe('scanner-agent');
  });
});
