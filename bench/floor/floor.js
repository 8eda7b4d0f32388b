// The floor of any njs log hook: evaluated exactly like the product's
// recorder ($ipng_stats_record, through the shim's log-phase handler), but
// it does nothing. The product can only approach this variant's throughput.
function noop(r) {
    return '';
}

export default { noop };
