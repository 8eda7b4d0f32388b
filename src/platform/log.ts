// Error-log lines of the bundle; nginx prefixes them with "js: ".

export function logError(message: string): void {
  ngx.log(ngx.ERR, message);
}

export function logWarning(message: string): void {
  ngx.log(ngx.WARN, message);
}

/** The full-zone warning, written at most once per flush by one worker. */
export function warnZoneFull(zoneName: string, sinceLastWarning: number, total: number): void {
  logWarning(
    'ipng-stats: shared dict zone "' + zoneName + '" is full: ' + sinceLastWarning +
      ' new counters dropped since the last warning (' + total + ' in total); existing ' +
      'counters keep counting; enlarge js_shared_dict_zone zone=' + zoneName + ' and reload',
  );
}
