// A fake of what the bundle's handlers use of njs, for Node unit tests of
// the tick and scrape handlers (in the manner of nginx/njs-acme's
// unit-tests/setupGlobals.ts): an `ngx` global with `shared` dictionaries,
// `log` and `worker_id`, a js_periodic session and a request. The real
// thing is exercised by the integration tests (test/integration/), which
// run these handlers in nginx; these tests pin exact zone contents and
// output for given inputs, which nginx's timing makes hard to arrange.

import { FakeSharedDict } from '../fake-shared-dict';
import { expandTemplate } from '../exposition/template-expansion';

export { FakeSharedDict };

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

  return(status: number, body?: string | Buffer): void {
    if (this.status !== undefined) throw new Error('r.return() called twice');
    this.status = status;
    this.body = body === undefined || typeof body === 'string' ? body : body.toString();
  }

  /**
   * Variables as bytes. With the shim ($ipng_stats_skip set), its
   * $ipng_stats_lines reads as the expansion of what was assigned to it
   * (the TypeScript reference of the C; not found when malformed or
   * unassigned).
   */
  get rawVariables(): Record<string, Buffer | undefined> {
    const variables = this.variables;
    const shim = variables.ipng_stats_skip !== undefined;
    return new Proxy({}, {
      get(_target, name: string): Buffer | undefined {
        const value = variables[name];
        if (name === 'ipng_stats_lines' && shim) {
          return typeof value === 'string' ? expandTemplate(Buffer.from(value)) ?? undefined : undefined;
        }
        return value === undefined ? undefined : Buffer.from(String(value));
      },
    });
  }

  asNginx(): NginxHTTPRequest {
    return this as unknown as NginxHTTPRequest;
  }
}
