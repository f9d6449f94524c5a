import * as React from 'react';

export interface ILogViewProps {
  lines: readonly string[];
  summary: string;
  open?: boolean;
  testid?: string;
}

/**
 * The build log: collapsible, and kept scrolled to the bottom while new lines arrive unless
 * the user scrolled up to read.
 */
export function LogView({
  lines,
  summary,
  open = true,
  testid = 'jp-containerize-log'
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
      <pre ref={ref} onScroll={onScroll} data-testid={testid}>
        {lines.join('\n')}
      </pre>
    </details>
  );
}
