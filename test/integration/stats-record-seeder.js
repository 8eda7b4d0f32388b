// Test-only njs module: writes one record of the ipng_stats zone as
// another bundle version would have written it, and reads one back, so a
// test can put an old-format record in front of the product. The key and
// the text travel hex-encoded in the query (they hold control bytes).
function hexArg(r, name) {
  return Buffer.from(r.args[name] || '', 'hex').toString();
}

function seed(r) {
  ngx.shared.ipng_stats.set(hexArg(r, 'key'), hexArg(r, 'text'));
  r.return(204);
}

function read(r) {
  var text = ngx.shared.ipng_stats.get(hexArg(r, 'key'));
  if (text === undefined) r.return(404, 'no such record\n');
  else r.return(200, text);
}

export default { seed, read };
