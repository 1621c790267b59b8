/**
 * `--where 'fast < slow and slow - fast >= 10'`: a small, safe expression language over a run's
 * parameters (no eval). Grammar, loosest first:
 *
 *   or       := and ( ("or" | "||") and )*
 *   and      := not ( ("and" | "&&") not )*
 *   not      := ("not" | "!") not | compare
 *   compare  := sum ( ("<" | "<=" | ">" | ">=" | "==" | "!=") sum )?
 *   sum      := product ( ("+" | "-") product )*
 *   product  := unary ( ("*" | "/" | "%") unary )*
 *   unary    := "-" unary | atom
 *   atom     := number | 'text' | "text" | true | false | name | "(" or ")"
 *
 * A name is a parameter of the space (dots allowed: execution.slippage_bps); an unknown one is a
 * usage error at parse time, with its column.
 */

import { UsageError } from '../errors.js';
import type { Value } from './space.js';

type Node =
  | { k: 'lit'; v: Value }
  | { k: 'var'; name: string }
  | { k: 'neg' | 'not'; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node };

interface Token {
  readonly t: 'num' | 'str' | 'name' | 'op' | 'end';
  readonly v: string;
  readonly at: number;
}

const OPS = ['<=', '>=', '==', '!=', '&&', '||', '<', '>', '+', '-', '*', '/', '%', '(', ')', '!'];

function tokenize(src: string, fail: (at: number, msg: string) => never): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const num = /^(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(src.slice(i));
    if (num !== null) {
      out.push({ t: 'num', v: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const name = /^[A-Za-z_][\w.]*/.exec(src.slice(i));
    if (name !== null) {
      out.push({ t: 'name', v: name[0], at: i });
      i += name[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) fail(i, 'a text without its closing quote');
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) fail(i, `unexpected "${c}"`);
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  out.push({ t: 'end', v: '', at: src.length });
  return out;
}

/** A parsed constraint: `test(params)` is true when the run is kept. */
export class Where {
  private constructor(
    readonly source: string,
    private readonly root: Node,
  ) {}

  /** Parses `src`; names must be among `names`. */
  static parse(src: string, names: readonly string[], flag = '--where'): Where {
    const fail = (at: number, msg: string): never => {
      throw new UsageError(`${flag} '${src}': column ${at + 1}: ${msg}`);
    };
    const toks = tokenize(src, fail);
    let p = 0;
    const peek = (): Token => toks[p]!;
    const isOp = (...vs: string[]): boolean => {
      const t = peek();
      return (t.t === 'op' && vs.includes(t.v)) || (t.t === 'name' && vs.includes(t.v));
    };
    const take = (): Token => toks[p++]!;
    const or = (): Node => {
      let a = and();
      while (isOp('or', '||')) {
        take();
        a = { k: 'bin', op: '||', a, b: and() };
      }
      return a;
    };
    const and = (): Node => {
      let a = not();
      while (isOp('and', '&&')) {
        take();
        a = { k: 'bin', op: '&&', a, b: not() };
      }
      return a;
    };
    const not = (): Node => {
      if (isOp('not', '!')) {
        take();
        return { k: 'not', a: not() };
      }
      return compare();
    };
    const compare = (): Node => {
      const a = sum();
      if (isOp('<', '<=', '>', '>=', '==', '!=')) {
        const op = take().v;
        return { k: 'bin', op, a, b: sum() };
      }
      return a;
    };
    const sum = (): Node => {
      let a = product();
      while (isOp('+', '-')) {
        const op = take().v;
        a = { k: 'bin', op, a, b: product() };
      }
      return a;
    };
    const product = (): Node => {
      let a = unary();
      while (isOp('*', '/', '%')) {
        const op = take().v;
        a = { k: 'bin', op, a, b: unary() };
      }
      return a;
    };
    const unary = (): Node => {
      if (isOp('-')) {
        take();
        return { k: 'neg', a: unary() };
      }
      return atom();
    };
    const atom = (): Node => {
      const t = take();
      if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
      if (t.t === 'str') return { k: 'lit', v: t.v };
      if (t.t === 'name') {
        if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
        if (['and', 'or', 'not'].includes(t.v)) fail(t.at, `expected a value, found "${t.v}"`);
        if (!names.includes(t.v))
          fail(t.at, `unknown parameter "${t.v}" (the space has: ${names.join(', ') || 'none'})`);
        return { k: 'var', name: t.v };
      }
      if (t.t === 'op' && t.v === '(') {
        const inner = or();
        const close = take();
        if (close.t !== 'op' || close.v !== ')') fail(close.at, 'expected ")"');
        return inner;
      }
      return fail(t.at, t.t === 'end' ? 'the expression ends too early' : `unexpected "${t.v}"`);
    };
    const root = or();
    const rest = peek();
    if (rest.t !== 'end') fail(rest.at, `unexpected "${rest.v}"`);
    return new Where(src, root);
  }

  test(params: ReadonlyMap<string, Value>): boolean {
    return Boolean(evaluate(this.root, params));
  }
}

function evaluate(n: Node, env: ReadonlyMap<string, Value>): Value {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'var':
      return env.get(n.name) as Value;
    case 'neg':
      return -Number(evaluate(n.a, env));
    case 'not':
      return !evaluate(n.a, env);
    case 'bin': {
      if (n.op === '&&') return Boolean(evaluate(n.a, env)) && Boolean(evaluate(n.b, env));
      if (n.op === '||') return Boolean(evaluate(n.a, env)) || Boolean(evaluate(n.b, env));
      const a = evaluate(n.a, env);
      const b = evaluate(n.b, env);
      switch (n.op) {
        case '==':
          return a === b;
        case '!=':
          return a !== b;
        case '<':
          return a < b;
        case '<=':
          return a <= b;
        case '>':
          return a > b;
        case '>=':
          return a >= b;
        case '+':
          return Number(a) + Number(b);
        case '-':
          return Number(a) - Number(b);
        case '*':
          return Number(a) * Number(b);
        case '/':
          return Number(a) / Number(b);
        default:
          return Number(a) % Number(b);
      }
    }
  }
}
