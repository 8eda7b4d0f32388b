// What every benchmark script measures with: wrk runs, HTTP GETs on fresh
// connections, and the median.
import { execFile } from 'node:child_process';
import { request } from 'node:http';

/**
 * One wrk run, bounded by `durationSeconds`; resolves with requests/s and
 * completed requests. Asynchronous, so that the caller's own timers and
 * requests (a concurrent scraper) keep running meanwhile.
 */
export function wrk(args, url, durationSeconds) {
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      [...args, '-d', `${durationSeconds}s`, '--timeout', '5s', url],
      { encoding: 'utf8', timeout: (durationSeconds + 30) * 1000 },
      (err, out) => {
        if (err) return reject(err);
        const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
        const completed = /(\d+) requests in/.exec(out);
        const errors = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(out);
        if (!rps || !completed) return reject(new Error(`cannot read wrk output:\n${out}`));
        resolve({ rps: Number(rps[1]), completed: Number(completed[1]), errors: errors ? errors[0] : '' });
      },
    );
  });
}

/** GET on a fresh connection; resolves with status, body and elapsed ms. */
export function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', reject);
    req.setTimeout(30000, () => req.destroy(new Error(`timeout: ${url}`)));
    req.end();
  });
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
