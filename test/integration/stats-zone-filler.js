// Test-only njs module: fills the ipng_stats zone with keys of a kind the
// bundle never reads ('~') until fewer than `keep` bytes of free slab pages
// are left (default one page, which is what the counter layout calls a
// full zone; the record layout stops creating keys below 16 pages). It
// stops before an allocation can fail: nginx logs every failed
// shared-memory allocation at [crit]. Works on either zone type. Used by
// the stats-zone and record-layout tests to make the zone full without a
// special zone size.
function fill(r) {
  var dict = ngx.shared.ipng_stats;
  var keep = r.args.keep ? Number(r.args.keep) : 4096;
  var text = dict.type === 'string';
  var made = 0;
  while (dict.freeSpace() >= keep && made < 200000) {
    if (text) dict.set('~' + made, 'x');
    else dict.incr('~' + made, 1);
    made++;
  }
  r.return(200, JSON.stringify({ made: made, free: dict.freeSpace() }) + '\n');
}

export default { fill };
