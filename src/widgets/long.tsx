import { Clipboard } from '@jupyterlab/apputils';
import type { TranslationBundle } from '@jupyterlab/translation';
import { copyIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

/** Where a long value may wrap: after a separator, or inside a run of 16 characters. */
export function breakPoints(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let run = 0;
  const chars = Array.from(text);
  chars.forEach((char, i) => {
    current += char;
    // after a separator (not the dot of a version: 3.11.7 stays whole)
    const separator =
      /[\\/:@\-_,=+ ]/.test(char) ||
      (char === '.' && !/\d/.test(chars[i + 1] ?? ''));
    run = separator ? 0 : run + 1;
    if (run === 0 || run === 16) {
      parts.push(current);
      current = '';
      run = 0;
    }
  });
  if (current) {
    parts.push(current);
  }
  return parts;
}

/**
 * A long value (an interpreter path, an image reference, a digest): wrapped at its
 * separators rather than cut, whole in its tooltip, and copied by its button.
 */
export function LongValue({
  text,
  trans,
  testid,
  copy = true
}: {
  text: string;
  trans: TranslationBundle;
  testid?: string;
  copy?: boolean;
}): JSX.Element {
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => setCopied(false), [text]);
  return (
    <span className="jp-containerize-long">
      <span
        className="jp-containerize-long-text jp-containerize-mono"
        title={text}
        data-testid={testid}
      >
        {breakPoints(text).map((part, i) => (
          <React.Fragment key={i}>
            {part}
            <wbr />
          </React.Fragment>
        ))}
      </span>
      {copy && (
        <button
          className="jp-containerize-icon-button jp-containerize-long-copy"
          title={
            copied ? trans.__('Copied') : trans.__('Copy to the clipboard')
          }
          aria-label={trans.__('Copy: %1', text)}
          data-copied={copied ? text : undefined}
          onClick={() => {
            Clipboard.copyToSystem(text);
            setCopied(true);
          }}
        >
          <copyIcon.react tag="span" />
        </button>
      )}
    </span>
  );
}
