// Which worker process runs this code (0 .. worker_processes - 1; a
// respawned worker gets the id of the one it replaces).
export function workerId(): number {
  return ngx.worker_id;
}
