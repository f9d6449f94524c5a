import {
  humanAge,
  humanDuration,
  humanSize,
  runCommand,
  shortId
} from '../widgets/format';
import { breakPoints } from '../widgets/long';

describe('format', () => {
  it('shows sizes as Docker does', () => {
    expect(humanSize(512)).toBe('512 B');
    expect(humanSize(1500)).toBe('1.5 kB');
    expect(humanSize(812_400_000)).toBe('812 MB');
    expect(humanSize(1_230_000_000)).toBe('1.2 GB');
  });

  it('shows durations', () => {
    expect(humanDuration(4.23)).toBe('4.2 s');
    expect(humanDuration(42.4)).toBe('42 s');
    expect(humanDuration(65)).toBe('1 min 05 s');
    expect(humanDuration(3720)).toBe('1 h 02 min');
  });

  it('shortens image ids and builds the run command', () => {
    expect(shortId('sha256:0123456789abcdef')).toBe('0123456789ab');
    expect(runCommand('x:abc')).toBe(
      'docker run --rm -v "$PWD/out:/out" x:abc'
    );
  });
});

describe('long values and ages', () => {
  it('wrap after separators, never inside a version', () => {
    expect(breakPoints('/root/.pyenv/versions/3.11.7/bin/python3')).toEqual([
      '/',
      'root/',
      '.',
      'pyenv/',
      'versions/',
      '3.11.7/',
      'bin/',
      'python3'
    ]);
    const digest = 'reg:5000/a@sha256:' + '0123456789abcdef'.repeat(4);
    const parts: string[] = breakPoints(digest);
    expect(parts.join('')).toBe(digest);
    expect(Math.max(...parts.map(p => p.length))).toBeLessThanOrEqual(16);
  });

  it('says how long ago', () => {
    const trans = {
      __: (text: string, ...args: any[]) =>
        args.reduce(
          (t: string, a: any, i: number) => t.replace(`%${i + 1}`, a),
          text
        )
    };
    const now = Date.parse('2026-01-02T00:00:00Z');
    expect(humanAge('2026-01-01T23:59:30Z', now, trans)).toBe('just now');
    expect(humanAge('2026-01-01T23:55:00Z', now, trans)).toBe('5 min ago');
    expect(humanAge('2026-01-01T21:00:00Z', now, trans)).toBe('3 h ago');
    expect(humanAge('2025-12-30T00:00:00Z', now, trans)).toBe('3 days ago');
  });
});
