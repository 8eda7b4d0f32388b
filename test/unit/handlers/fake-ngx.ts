// A fake of what the bundle's handlers use of njs, for Node unit tests of
// the tick and scrape handlers (in the manner of nginx/njs-acme's
// unit-tests/setupGlobals.ts): an `ngx` global with `shared` dictionaries,
// `log` and `worker_id`, a js_periodic session and a request. The real
// thing is exercised by the integration tests (test/integration/), which
// run these handlers in nginx; these tests pin exact zone contents and
// output for given inputs, which nginx's timing makes hard to arrange.

const PAGE = 4096;
// njs's default count limit of keys() and items().
const DEFAULT_ITEMS = 1024;

/**
 * An ngx.shared dictionary as njs 0.8.9 behaves for what the bundle calls:
 * `type` decides what values it takes (type=number: numbers, and `incr`;
 * type=string: strings, no `incr`), `items()` returns at most 1024
 * entries unless given a count, and freeSpace() is whole free pages
 * (set `freePages` to make it full).
 */
export class FakeSharedDict {
  readonly map = new Map<string, string | number>();
  freePages = 1000;

  constructor(
    readonly name: string,
    readonly type: 'number' | 'string',
    readonly capacity: number,
  ) {}

  private checked(value: unknown): string | number {
    if (this.type === 'number' && typeof value !== 'number') throw new TypeError('shared dict value is not a number');
    if (this.type === 'string' && typeof value !== 'string') throw new TypeError('shared dict value is not a string');
    return value as string | number;
  }

  get(key: string): string | number | undefined {
    return this.map.get(key);
  }
  has(key: string): boolean {
    return this.map.has(key);
  }
  set(key: string, value: string | number): this {
    this.map.set(key, this.checked(value));
    return this;
  }
  add(key: string, value: string | number): boolean {
    if (this.map.has(key)) return false;
    this.map.set(key, this.checked(value));
    return true;
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
  incr(key: string, delta: number, init = 0): number {
    if (this.type !== 'number') throw new TypeError('shared dict is not a number dict');
    const before = this.map.get(key);
    const after = (before === undefined ? init : (before as number)) + delta;
    this.map.set(key, after);
    return after;
  }
  items(maxCount = DEFAULT_ITEMS): Array<[string, string | number]> {
    return [...this.map.entries()].slice(0, maxCount);
  }
  keys(maxCount = DEFAULT_ITEMS): string[] {
    return [...this.map.keys()].slice(0, maxCount);
  }
  size(): number {
    return this.map.size;
  }
  freeSpace(): number {
    return this.freePages * PAGE;
  }
  /** The contents as a plain object in key order, for exact comparison. */
  contents(): Record<string, string | number> {
    const out: Record<string, string | number> = {};
    for (const key of [...this.map.keys()].sort()) out[key] = this.map.get(key)!;
    return out;
  }
}

export interface LogLine {
  level: number;
  message: string;
}

export class FakeNgx {
  readonly INFO = 7;
  readonly WARN = 5;
  readonly ERR = 4;
  readonly shared: Record<string, FakeSharedDict> = {};
  readonly logs: LogLine[] = [];
  worker_id = 0;

  /** Declares a zone, as `js_shared_dict_zone zone=NAME:SIZE type=TYPE` does. */
  zone(name: string, type: 'number' | 'string', capacity = 4 * 1024 * 1024): FakeSharedDict {
    const dict = new FakeSharedDict(name, type, capacity);
    this.shared[name] = dict;
    return dict;
  }
  log(level: number, message: string): void {
    this.logs.push({ level, message: String(message) });
  }
}

const globals = globalThis as unknown as Record<string, unknown>;

/** Installs a fresh fake as the `ngx` global; call removeFakeNgx() after the test. */
export function installFakeNgx(): FakeNgx {
  const fake = new FakeNgx();
  globals.ngx = fake;
  return fake;
}

export function removeFakeNgx(): void {
  delete globals.ngx;
}

export type Variables = Record<string, string | undefined>;

/**
 * `variables` with the shim's drained variables: each read of one of
 * `drained` returns its next queued text, then '' (reading clears the
 * shim's counts, as in nginx).
 */
function variablesOf(values: Variables, drained: Record<string, string[]>): Variables {
  const variables: Variables = { ...values };
  for (const name of Object.keys(drained)) {
    const queue = drained[name];
    Object.defineProperty(variables, name, {
      enumerable: true,
      get: () => (queue.length > 0 ? queue.shift() : ''),
    });
  }
  return variables;
}

/** The js_periodic session handed to the tick. */
export function fakePeriodicSession(values: Variables, drained: Record<string, string[]> = {}): NginxPeriodicSession {
  return { variables: variablesOf(values, drained) } as unknown as NginxPeriodicSession;
}

export interface FakeRequestInit {
  method?: string;
  args?: Record<string, string | string[]>;
  headersIn?: Record<string, string>;
  variables?: Variables;
}

/** A request to a js_content handler; what it answered is in `status`, `body`, `headersOut`. */
export class FakeRequest {
  readonly method: string;
  readonly args: Record<string, string | string[]>;
  readonly headersIn: Record<string, string>;
  readonly headersOut: Record<string, string> = {};
  readonly variables: Variables;
  status: number | undefined;
  body: string | undefined;

  constructor(init: FakeRequestInit = {}) {
    this.method = init.method ?? 'GET';
    this.args = init.args ?? {};
    this.headersIn = init.headersIn ?? {};
    this.variables = { ...(init.variables ?? {}) };
  }

  return(status: number, body?: string): void {
    if (this.status !== undefined) throw new Error('r.return() called twice');
    this.status = status;
    this.body = body;
  }

  asNginx(): NginxHTTPRequest {
    return this as unknown as NginxHTTPRequest;
  }
}
