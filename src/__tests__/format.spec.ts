import {
  humanDuration,
  humanSize,
  runCommand,
  shortId
} from '../widgets/format';

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
