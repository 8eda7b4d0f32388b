// Test-only njs module: assigns the body of a POST to $ipng_stats_lines
// and answers what reading the variable gives (404 when not found), so a
// test can feed the shim's template expansion any template.
function expand(r) {
  var template = r.requestText || '';
  r.variables.ipng_stats_lines = template;
  var text = r.rawVariables.ipng_stats_lines;
  if (text === undefined) r.return(404, 'not found\n');
  else r.return(200, text);
}

function unset(r) {
  var text = r.rawVariables.ipng_stats_lines;
  r.return(text === undefined ? 404 : 200, text === undefined ? 'not found\n' : text);
}

export default { expand, unset };
