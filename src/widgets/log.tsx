import * as React from 'react';

export interface ILogViewProps {
  lines: readonly string[];
  summary: string;
  open?: boolean;
}

/**
 * The build log: collapsible, and kept scrolled to the bottom while new lines arrive unless
 * the user scrolled up to read.
 */
export function LogView({
  lines,
  summary,
  open = true
}: ILogViewProps): JSX.Element {
  const ref = React.useRef<HTMLPreElement>(null);
  const stick = React.useRef(true);
  const count = lines.length;

  React.useLayoutEffect(() => {
    const node = ref.current;
    if (node && stick.current) {
      node.scrollTop = node.scrollHeight;
    }
  }, [count, lines[count - 1]]);

  const onScroll = () => {
    const node = ref.current;
    if (node) {
      stick.current =
        node.scrollHeight - node.scrollTop - node.clientHeight < 24;
    }
  };

  return (
    <details className="jp-containerize-log" open={open}>
      <summary>{summary}</summary>
      <pre ref={ref} onScroll={onScroll} data-testid="jp-containerize-log">
        {lines.join('\n')}
      </pre>
    </details>
  );
}
