// Test-only njs module: fills the ipng_stats zone with keys of a kind the
// bundle never reads ('~') until no free slab page is left, which is what
// the bundle calls a full zone. It stops before an allocation can fail:
// nginx logs every failed shared-memory allocation at [crit]. Used by
// stats-zone.test.ts to make the zone full without a special zone size.
function fill(r) {
  var dict = ngx.shared.ipng_stats;
  var made = 0;
  while (dict.freeSpace() >= 4096 && made < 200000) {
    dict.incr('~' + made, 1);
    made++;
  }
  r.return(200, JSON.stringify({ made: made, free: dict.freeSpace() }) + '\n');
}

export default { fill };
