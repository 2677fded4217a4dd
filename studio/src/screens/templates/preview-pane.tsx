import type { Channel, Content } from './channel-fields';

/**
 * The rendered message. Email HTML goes into an iframe with `sandbox=""`
 * (no scripts, forms, navigation or same-origin access) from srcdoc, so a
 * template's markup can neither run nor reach the Studio.
 */
export function PreviewPane({ channel, rendered, stale }: { channel: Channel; rendered?: Content; stale: boolean }) {
  return (
    <section aria-labelledby="preview-heading" className="preview" aria-busy={stale}>
      <h2 id="preview-heading">Preview</h2>
      {!rendered ? (
        <p className="hint">The preview shows once the template renders.</p>
      ) : channel === 'email' ? (
        <>
          <p>
            <strong>Subject:</strong> <span data-testid="preview-subject">{rendered.subject}</span>
          </p>
          {rendered.html !== undefined && <iframe title="Email HTML preview" sandbox="" srcDoc={rendered.html} className="email-frame" />}
          {rendered.text !== undefined && (
            <>
              <h3>Text part</h3>
              <pre className="json" aria-label="Text part preview" tabIndex={0}>
                {rendered.text}
              </pre>
            </>
          )}
        </>
      ) : (
        <>
          <pre className="json message-bubble" aria-label="Message preview" tabIndex={0}>
            {rendered.text}
          </pre>
          {rendered.blocks !== undefined && (
            <pre className="json" aria-label="Blocks preview" tabIndex={0}>
              {rendered.blocks}
            </pre>
          )}
        </>
      )}
    </section>
  );
}
