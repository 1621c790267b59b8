import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/core/errors.js';
import { gunzipIfCompressed } from '../../src/core/io/input.js';
import { ErrorPolicy, parseRecords, splitLines } from '../../src/core/io/lines.js';
import { collect } from '../../src/core/io/stream.js';
import { lineOf, rawOf, serialize } from '../../src/core/records/record.js';

async function* chunks(...parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}

async function lines(...parts: (string | Buffer)[]): Promise<[number, string][]> {
  const out: [number, string][] = [];
  for await (const b of splitLines(chunks(...parts), 'test'))
    for (const [i, l] of b.lines.entries()) out.push([b.firstLine + i, l]);
  return out;
}

describe('splitLines', () => {
  it('splits on LF and CRLF and numbers lines from 1', async () => {
    expect(await lines('a\r\nb\nc\n')).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
  });
  it('keeps a last line without a newline', async () => {
    expect(await lines('a\nb')).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });
  it('joins a line split across chunks, including inside a multi-byte character', async () => {
    const euro = Buffer.from('{"x":"€"}\n'); // € is 3 bytes
    const cutAt = euro.indexOf(0xe2) + 1;
    expect(await lines('{"a":1}\n{"b', '":2}\n', euro.subarray(0, cutAt), euro.subarray(cutAt))).toEqual([
      [1, '{"a":1}'],
      [2, '{"b":2}'],
      [3, '{"x":"€"}'],
    ]);
  });
  it('counts empty lines', async () => {
    expect(await lines('\n\na\n')).toEqual([
      [1, ''],
      [2, ''],
      [3, 'a'],
    ]);
  });
  it('refuses a line longer than the bound, naming its line', async () => {
    const consume = async () => {
      for await (const _ of splitLines(chunks('ok\n', 'x'.repeat(50), 'y'.repeat(50)), 'stdin', 64)) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow('stdin:2: line longer than 64 bytes');
  });
  it('an interrupted input: the unterminated start of a line is dropped, not read as a line', async () => {
    // The input stops (Ctrl-C) mid-line: its chunks end there, as untilAborted ends them.
    const stop = new AbortController();
    async function* interrupted(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"type":"a"}\n{"type":"b"}\n{"ty');
      stop.abort();
    }
    const got: string[] = [];
    for await (const b of splitLines(interrupted(), 'stdin', undefined, stop.signal)) got.push(...b.lines);
    expect(got).toEqual(['{"type":"a"}', '{"type":"b"}']);
    // Not interrupted, the same bytes end in a last line without its newline, which is read.
    const plain: string[] = [];
    for await (const b of splitLines(
      chunks('{"type":"a"}\n{"ty'),
      'stdin',
      undefined,
      new AbortController().signal,
    ))
      plain.push(...b.lines);
    expect(plain).toEqual(['{"type":"a"}', '{"ty']);
  });
});

describe('parseRecords', () => {
  async function parse(text: string, policy = new ErrorPolicy()) {
    return collect(parseRecords(splitLines(chunks(text), 'stdin'), 'stdin', policy));
  }
  it('parses objects, skips blank lines, and remembers line and original text', async () => {
    const recs = await parse('{"type":"x","a":1}\n\n  \n{ "type": "y" }\n');
    expect(JSON.parse(JSON.stringify(recs))).toEqual([{ type: 'x', a: 1 }, { type: 'y' }]);
    expect(recs.map(lineOf)).toEqual([1, 4]);
    expect(rawOf(recs[1]!)).toBe('{ "type": "y" }');
    expect(serialize(recs[1]!)).toBe('{ "type": "y" }');
  });
  it.each([
    ['invalid JSON', '{"type":"x"\n', 'stdin:1: invalid JSON'],
    ['an array', '[1,2]\n', 'stdin:1: expected a JSON object, found [1,2]'],
    ['a number', '42\n', 'stdin:1: expected a JSON object, found 42'],
    ['no type', '{"a":1}\n', 'stdin:1: expected a string for "type", found nothing'],
    ['a numeric type', '{"type":3}\n', 'stdin:1: expected a string for "type", found 3'],
  ])('fails on %s with a located message', async (_name, text, message) => {
    const error = await parse(`{"type":"ok"}\n${text}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toContain(message.replace('stdin:1', 'stdin:2'));
  });
  it('skips and counts bad lines in skip mode, warning in warn mode', async () => {
    const warnings: string[] = [];
    const policy = new ErrorPolicy('warn', (m) => warnings.push(m));
    const recs = await parse('{"type":"a"}\nnope\n{"type":"b"}\n{}\n', policy);
    expect(recs.map((r) => r.type)).toEqual(['a', 'b']);
    expect(policy.skipped).toBe(2);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^stdin:2: invalid JSON/);
    expect(policy.firstProblem).toMatch(/^stdin:2:/);
  });
});

describe('gzip input', () => {
  it('is detected by its magic bytes and decompressed', async () => {
    const gz = gzipSync('{"type":"x"}\n{"type":"y"}\n');
    const out: Buffer[] = [];
    for await (const c of gunzipIfCompressed(chunks(gz.subarray(0, 1), gz.subarray(1)))) out.push(c);
    expect(Buffer.concat(out).toString()).toBe('{"type":"x"}\n{"type":"y"}\n');
  });
  it('reports a corrupt stream', async () => {
    const gz = gzipSync('{"type":"x"}\n'.repeat(100));
    const broken = Buffer.concat([gz.subarray(0, 20), Buffer.from('garbage')]);
    const consume = async () => {
      for await (const _ of gunzipIfCompressed(chunks(broken))) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow(/corrupt gzip input/);
  });
});
