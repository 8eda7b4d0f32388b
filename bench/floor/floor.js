// The floor of any per-request njs log hook: a js_set evaluated once per
// request by `access_log ... if=` that does nothing. Whatever runs njs per
// request costs at least this much.
function noop(r) {
    return '';
}

export default { noop };
