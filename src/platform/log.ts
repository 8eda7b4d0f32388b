// Error-log lines of the bundle; nginx prefixes them with "js: ".

export function logError(message: string): void {
  ngx.log(ngx.ERR, message);
}

export function logInfo(message: string): void {
  ngx.log(ngx.INFO, message);
}

export function logWarning(message: string): void {
  ngx.log(ngx.WARN, message);
}
