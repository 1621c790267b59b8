/**
 * The hostile-input corpus, generated at test time (nothing is stored but this script): the kinds of
 * input issue #20 names, and the classes of JSONTestSuite (y_: must parse, n_: must be refused,
 * i_: either, but never a crash), as NDJSON files for every command. Each case is a whole input: a
 * few valid records around the hostile line, so that a command that loses the good records, or
 * writes them changed, is caught as well as one that crashes.
 */

export type Kind = 'y' | 'n' | 'i';

export interface Case {
  /** `y_candle_decimal_strings`, `n_trailing_comma`, `i_number_1e400`, ... */
  readonly name: string;
  readonly kind: Kind;
  readonly bytes: Buffer;
}

const T0 = Date.UTC(2024, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

/** An object's JSON text from raw JSON texts of its fields (an empty text leaves a field out). */
function object(fields: Record<string, string>): string {
  return `{${Object.entries(fields)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
    .join(',')}}`;
}

/** A valid candle `i` minutes in, as JSON text with `patch` fields replaced by raw JSON text. */
export function candle(i: number, patch: Record<string, string> = {}): string {
  const close = 100 + (i % 5);
  const fields: Record<string, string> = {
    type: '"candle"',
    time: JSON.stringify(iso(T0 + (i + 1) * 60_000)),
    exchange: '"binance_spot"',
    symbol: '"BTCUSDT"',
    interval: '"1m"',
    open_time: JSON.stringify(iso(T0 + i * 60_000)),
    open: String(close),
    high: String(close + 1),
    low: String(close - 1),
    close: String(close),
    volume: '1.5',
    ...patch,
  };
  return object(fields);
}

export function trade(i: number, patch: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    type: '"trade"',
    time: JSON.stringify(iso(T0 + i * 1000)),
    exchange: '"binance_spot"',
    symbol: '"BTCUSDT"',
    id: String(i + 1),
    price: String(100 + (i % 3)),
    amount: '0.5',
    side: '"buy"',
    ...patch,
  };
  return object(fields);
}

export function book(i: number, patch: Record<string, string> = {}): string {
  const fields: Record<string, string> = {
    type: '"book"',
    time: JSON.stringify(iso(T0 + i * 1000)),
    exchange: '"x"',
    symbol: '"S"',
    snapshot: i === 0 ? 'true' : 'false',
    bids: `[[${100 + i},1]]`,
    asks: `[[${200 - i},1]]`,
    sequence: String(i),
    ...patch,
  };
  return object(fields);
}

/** Good records of one type around a hostile line (at index 2 of 5). */
function around(make: (i: number) => string, hostile: string): string {
  const lines = [make(0), make(1), hostile, make(3), make(4)];
  return `${lines.join('\n')}\n`;
}

const text = (s: string) => Buffer.from(s, 'utf8');

/** Values that are not a valid price, and must never be read as one. */
const BAD_NUMBERS: Record<string, string> = {
  true: 'true',
  false: 'false',
  null: 'null',
  hex_string: '"0x1C1C"',
  leading_space_string: '" 4200"',
  array: '[4200]',
  object: '{"v":4200}',
  infinity_string: '"Infinity"',
  nan_string: '"NaN"',
  number_1e400: '1e400',
  number_minus_1e400: '-1e400',
  digits_400: '1'.repeat(400),
  negative: '-5',
  zero: '0',
  number_1e300: '1e300',
  number_1e_minus_300: '1e-300',
  empty_string: '""',
  text: '"abc"',
  spreadsheet_exponent: '"1.70027E+12x"',
};

const BAD_TIMES: Record<string, string> = {
  far_future_iso: '"2286-11-20T17:46:40.000Z"',
  year_9999: '"9999-12-31T23:59:59.999Z"',
  epoch_us_2286: '10000000000000000',
  negative_epoch: '-1',
  not_a_time: '"yesterday"',
  month_13: '"2024-13-01T00:00:00.000Z"',
  number_1e400: '1e400',
  boolean: 'true',
};

const BAD_SEQUENCES: Record<string, string> = {
  number_1e20: '1e20',
  digits_20: '100000000000000000000',
  two_pow_53: '9007199254740992',
  negative: '-1',
  fraction: '1.5',
  text: '"abc"',
  boolean: 'true',
  number_1e400: '1e400',
};

/** Strings that must not reach a terminal raw. */
const HOSTILE_TEXT: Record<string, string> = {
  osc_title: '\u001b]0;pwned\u0007',
  csi_clear: '\u001b[2J\u001b[H',
  newline_forged_report: 'BTC\n  schema  99  dropped',
  c1_csi: '\u009b2J',
  rtl_override: 'BTC\u202eDSU',
  nul: 'a\u0000b',
};

/** JSONTestSuite-style lines (after its y_/n_/i_ classes), each as a whole line of input. */
const JSON_LINES: [Kind, string, string][] = [
  ['y', 'object_with_unicode_escapes', trade(2, { symbol: '"\\u0042TCUSDT"' })],
  ['y', 'string_with_escaped_slash_and_quote', trade(2, { symbol: '"BTC\\/USDT\\"x"' })],
  ['y', 'number_with_exponent_price', trade(2, { price: '1.01e2' })],
  ['y', 'decimal_string_price', trade(2, { price: '"101.5"' })],
  [
    'y',
    'whitespace_around_members',
    trade(2).replace(/,"/g, ' ,\t"').replace(/":/g, '" : ').replace(/^\{/, '{ ').replace(/\}$/, ' }'),
  ],
  ['y', 'extra_unknown_fields', trade(2).replace(/}$/, ',"note":{"a":[1,2,{"b":null}]}}')],
  ['y', 'duplicate_key_last_wins', trade(2).replace(/}$/, ',"amount":0.25}')],
  ['y', 'unknown_record_type', '{"type":"my_signal","time":"2024-01-01T00:00:02.000Z","value":[1,2,3]}'],
  ['y', 'crlf_line_end', `${trade(2)}\r`],
  ['y', 'minus_zero_id', trade(2, { id: '-0' })],
  ['n', 'trailing_comma', trade(2).replace(/}$/, ',}')],
  ['n', 'single_quotes', trade(2).replace(/"/g, "'")],
  ['n', 'unquoted_key', trade(2).replace('"price"', 'price')],
  ['n', 'bare_nan', trade(2, { price: 'NaN' })],
  ['n', 'bare_infinity', trade(2, { price: 'Infinity' })],
  ['n', 'hex_number', trade(2, { price: '0x1C1C' })],
  ['n', 'leading_zero_number', trade(2, { price: '0101' })],
  ['n', 'plus_sign_number', trade(2, { price: '+101' })],
  ['n', 'unterminated_string', trade(2).replace('"sell"', '"sell').replace('"buy"', '"buy')],
  ['n', 'unterminated_object', trade(2).slice(0, -1)],
  ['n', 'comment', `${trade(2)} // a comment`],
  ['n', 'two_objects_on_a_line', `${trade(2)}${trade(3)}`],
  ['n', 'array_not_object', `[${trade(2)}]`],
  ['n', 'bare_string', '"trade"'],
  ['n', 'bare_number', '42'],
  ['n', 'no_type', trade(2).replace('"type":"trade",', '')],
  ['n', 'type_not_string', trade(2).replace('"type":"trade"', '"type":7')],
  ['n', 'raw_control_char_in_string', trade(2, { symbol: '"BTC\u0001USDT"' })],
  ['n', 'invalid_escape', trade(2, { symbol: '"BTC\\xUSDT"' })],
  ['n', 'just_garbage', '<html><body>404 Not Found</body></html>'],
  ['i', 'deeply_nested_array', trade(2).replace(/}$/, `,"deep":${'['.repeat(5000)}${']'.repeat(5000)}}`)],
  ['i', 'lone_surrogate_escape', trade(2, { symbol: '"BTC\\ud800USDT"' })],
  ['i', 'very_long_string', trade(2, { symbol: JSON.stringify('S'.repeat(100_000)) })],
  ['i', 'huge_exponent_amount', trade(2, { amount: '1e999999' })],
  ['i', 'tiny_exponent_amount', trade(2, { amount: '1e-999999' })],
  ['i', 'number_with_2000_digits', trade(2, { id: '9'.repeat(2000) })],
];

/** Every case of the corpus. */
export function corpus(): Case[] {
  const cases: Case[] = [];
  const add = (kind: Kind, name: string, bytes: Buffer) =>
    cases.push({ name: `${kind}_${name}`, kind, bytes });

  for (const [k, v] of Object.entries(BAD_NUMBERS)) {
    add('n', `candle_close_${k}`, text(around(candle, candle(2, { close: v }))));
    add('n', `trade_price_${k}`, text(around(trade, trade(2, { price: v }))));
    add('n', `book_level_price_${k}`, text(around(book, book(2, { bids: `[[${v},1]]` }))));
  }
  for (const [k, v] of Object.entries(BAD_TIMES)) {
    add('n', `candle_time_${k}`, text(around(candle, candle(2, { time: v }))));
    add('n', `trade_time_${k}`, text(around(trade, trade(2, { time: v }))));
  }
  for (const [k, v] of Object.entries(BAD_SEQUENCES)) {
    add('n', `book_sequence_${k}`, text(around(book, book(2, { sequence: v }))));
  }
  add('n', 'trade_id_two_pow_53', text(around(trade, trade(2, { id: '9007199254740992' }))));
  add('y', 'trade_id_two_pow_53_minus_1', text(around(trade, trade(2, { id: '9007199254740991' }))));
  for (const [k, v] of Object.entries(HOSTILE_TEXT)) {
    add('i', `symbol_${k}`, text(around(trade, trade(2, { symbol: JSON.stringify(v) }))));
    add('n', `raw_line_${k}`, text(around(trade, v)));
  }
  for (const [kind, name, line] of JSON_LINES) add(kind, `json_${name}`, text(around(trade, line)));

  // Byte-level hazards.
  const good = around(trade, trade(2));
  add('n', 'bytes_utf8_bom', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text(good)]));
  add('i', 'bytes_cr_only_line_ends', text(good.replace(/\n/g, '\r')));
  add('y', 'bytes_no_final_newline', text(good.slice(0, -1)));
  add('y', 'bytes_blank_lines', text(good.replace(/\n/g, '\n\n   \n')));
  add(
    'n',
    'bytes_nul_inside',
    Buffer.concat([text(`${trade(0)}\n`), Buffer.from([0]), text(`\n${trade(1)}\n`)]),
  );
  add(
    'n',
    'bytes_invalid_utf8',
    Buffer.concat([text(`${trade(0)}\n{"type":"trade","symbol":"`), Buffer.from([0xff, 0xfe]), text('"}\n')]),
  );
  add('n', 'bytes_truncated_mid_record', text(`${trade(0)}\n${trade(1).slice(0, 30)}`));
  add('y', 'bytes_empty', Buffer.alloc(0));
  add('n', 'bytes_gzip_truncated', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0x4b, 0x4c]));
  add('n', 'bytes_binary_noise', Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) & 0xff)));
  add(
    'i',
    'bytes_line_over_max_line_bytes',
    text(`${trade(0)}\n${trade(1, { symbol: JSON.stringify('S'.repeat(70_000)) })}\n`),
  );
  return cases;
}
