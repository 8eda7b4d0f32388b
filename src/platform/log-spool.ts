// The spool files of the log-spool form (nginx/ipng-stats-log-spool.conf):
//   access_log $ipng_stats_spool_dir/ipng-stats-$pid.log ...;
// Each worker's nginx appends its own requests' lines to its own file;
// this reads them for the tick of the same worker.
//
// Nothing is lost between the read and the truncation: only this worker
// writes its file, and the tick runs on the worker's only thread, so no
// request is logged in between. nginx opens log files with O_APPEND, so
// its next write after the truncation lands at offset 0.
//
// A worker that exited (reload, crash) leaves a file that no tick of its
// own will read. A tick adopts the files of workers that no longer run:
// it renames such a file to a name of its own first (a rename succeeds for
// one caller only, so two workers never add the same lines), then reads
// and removes it. A file of a worker that still runs (an old worker of a
// reload, finishing its connections) is left alone until it exits.
import fs from 'fs';

const PREFIX = 'ipng-stats-';
const SUFFIX = '.log';

/**
 * $ipng_stats_spool_dir, or undefined when the configuration has no spool.
 * The access_log line writes to "/$ipng_stats_spool_dir/..." (a path that
 * starts with a variable would be taken relative to nginx's prefix), so
 * the directory is read from the root here too, whatever the value.
 */
export function spoolDirOf(s: NginxPeriodicSession): string | undefined {
  const dir = s.variables.ipng_stats_spool_dir;
  if (dir === undefined || dir === '') return undefined;
  return dir.charAt(0) === '/' ? dir : '/' + dir;
}

function spoolPath(dir: string, pid: number | string): string {
  return dir + '/' + PREFIX + pid + SUFFIX;
}

/** '' when the file does not exist (yet): this worker logged nothing so far. */
function readIfExists(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8') as unknown as string;
  } catch (e) {
    if (isMissing(e)) return '';
    throw e;
  }
}

function isMissing(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === 'ENOENT' || String(err.message).indexOf('No such file') !== -1;
}

/** What this worker's nginx logged since the last call; the file is left empty. */
export function takeOwnSpool(dir: string): string {
  const path = spoolPath(dir, process.pid);
  const text = readIfExists(path);
  if (text !== '') fs.writeFileSync(path, '');
  return text;
}

/** njs 0.8.9 reports kill(2)'s errno only in the message. */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // ESRCH: gone. EPERM: the pid now belongs to another user's process,
    // so the worker that wrote the file is gone too.
    return false;
  }
}

/**
 * The text of every spool file in dir whose worker no longer runs, each
 * file removed once read. Errors of one file are passed to report and do
 * not stop the others.
 */
export function adoptExitedSpools(dir: string, report: (message: string) => void): string[] {
  const names = fs.readdirSync(dir) as unknown as string[];
  const texts: string[] = [];
  const own = String(process.pid);
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    if (name.indexOf(PREFIX) !== 0 || name.slice(-SUFFIX.length) !== SUFFIX) continue;
    const pidText = name.slice(PREFIX.length, name.length - SUFFIX.length);
    if (!/^\d+$/.test(pidText) || pidText === own || processRuns(Number(pidText))) continue;
    const claimed = dir + '/' + PREFIX + own + '.adopting';
    try {
      fs.renameSync(dir + '/' + name, claimed);
    } catch (e) {
      if (!isMissing(e)) report('ipng-stats: cannot adopt the spool file ' + dir + '/' + name + ': ' + e);
      continue; // another worker adopted it first
    }
    try {
      texts.push(readIfExists(claimed));
      fs.unlinkSync(claimed);
    } catch (e) {
      report('ipng-stats: cannot read the spool file ' + claimed + ': ' + e);
    }
  }
  return texts;
}
